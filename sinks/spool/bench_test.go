package spool_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hubwire/hubwire/sinks/nats/natstest"
	"github.com/hubwire/hubwire/sinks/spool"
)

// BenchmarkPutWhileBrokerDown measures how fast deliveries can be spooled
// when 16 arrive at once, each fsynced before its Put returns: the spool's
// throughput during an outage.
func BenchmarkPutWhileBrokerDown(b *testing.B) {
	broker := natstest.StartBroker(b)
	p := primary(b, broker)
	broker.Stop()
	sp, err := spool.Open(context.Background(), spool.Config{Dir: b.TempDir(), MaxBytes: 1 << 30, Primary: p})
	if err != nil {
		b.Fatal(err)
	}
	defer sp.Close()
	var n atomic.Int64
	b.SetParallelism(8) // 16 goroutines on two cores
	began := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			e := entry(int(n.Add(1)))
			e.Event.SetID(fmt.Sprintf("bench-%d", n.Load()))
			if _, err := sp.Put(context.Background(), e); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "events/s")
}
