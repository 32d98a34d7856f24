package kafkareply

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/hubwire/hubwire/adapter/reply"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestAckDeadLettered: an ack that cannot be applied (here: its record is
// larger than the brokers take, so it cannot be written) is tried
// AckAttempts times, then written to the dead-letter topic as sent,
// counted and logged once, and its partition moves on.
func TestAckDeadLettered(t *testing.T) {
	// Every record is larger than the brokers take; an ack is not.
	c, err := kfake.NewCluster(kfake.SeedTopics(3, acksTopic, deliveriesTopic), kfake.SeedTopics(1, acksTopic+".deadletter"),
		kfake.BrokerConfigs(map[string]string{"message.max.bytes": "200"}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	reg := prometheus.NewRegistry()
	logs := &lockedBuffer{}
	k, err := Start(context.Background(), Config{
		Brokers: c.ListenAddrs(), AcksTopic: acksTopic, DeliveriesTopic: deliveriesTopic, GroupID: "hubwire-reply",
		Poster:     &reply.Poster{AllowedHosts: []string{"127.0.0.1:*"}, AllowInsecure: true, Timeout: time.Second, MaxAttempts: 1},
		AckTimeout: time.Minute, Metrics: reply.NewMetrics(reg), Logger: slog.New(slog.NewTextHandler(logs, nil)),
		AckAttempts: 3, AckRetryDelay: func(int) time.Duration { return 10 * time.Millisecond },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Stop)
	const id = "00000000000000000000000000000001"
	k.ack(t, id, "ci", "success")
	waitFor(t, "the ack dead-lettered", func() bool { return strings.Contains(logs.String(), "dead-letter topic") })
	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: c.ListenAddrs(), Topic: acksTopic + ".deadletter", Partition: 0})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := r.ReadMessage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Key) != id || string(m.Value) != `{"consumer":"ci","state":"success"}` {
		t.Errorf("dead-lettered %s %s", m.Key, m.Value)
	}
	time.Sleep(200 * time.Millisecond)
	if n := strings.Count(logs.String(), "dead-letter"); n != 1 {
		t.Errorf("%d dead-letter lines:\n%s", n, logs)
	}
	mfs, _ := reg.Gather()
	found := false
	for _, mf := range mfs {
		for _, mm := range mf.GetMetric() {
			if mf.GetName() == "hubwire_acks_total" && mm.GetLabel()[0].GetValue() == "dead_lettered" && mm.GetCounter().GetValue() == 1 {
				found = true
			}
		}
	}
	if !found {
		t.Error(`hubwire_acks_total{result="dead_lettered"} is not 1`)
	}
}
