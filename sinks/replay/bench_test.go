package replay

import (
	"context"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter/adaptertest"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hubwire/hubwire/adapter/dtr"
	"github.com/hubwire/hubwire/sinks"
	natssink "github.com/hubwire/hubwire/sinks/nats"
)

// BenchmarkReplayNATS replays a stream of real events (the DTR tag push
// sample, each with its own id) to /dev/null, as
// `hubwire replay > /dev/null` does:
//
//	go test ./sinks/replay -run '^$' -bench ReplayNATS -benchtime 3x
func BenchmarkReplayNATS(b *testing.B) {
	const events = 200_000
	srv, err := natssink.StartServer(natssink.ServerConfig{Addr: "127.0.0.1:0", DataDir: b.TempDir(), MaxPayload: 1 << 20, AllowAnonymous: true, Logger: quietLog})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	nc, err := natssink.Connect(srv.ClientURL())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	sink, err := natssink.New(ctx, nc, natssink.Config{Stream: natssink.StreamConfig{Name: "HUBWIRE_EVENTS", Duplicates: time.Minute}})
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	body, err := dtr.Samples.ReadFile("samples/tag-push.json")
	if err != nil {
		b.Fatal(err)
	}
	d, err := adaptertest.DecodeOne(dtr.New("http://127.0.0.1:8080/schemas/"), body)
	if err != nil {
		b.Fatal(err)
	}
	js, _ := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	subject := natssink.Subject(natssink.DefaultSubjectPrefix, d.Address)
	for i := range events {
		e := d.Event.Clone()
		e.SetID(fmt.Sprintf("bench-%d", i))
		msg, err := natssink.Message(subject, &e, sinks.Binary)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := js.PublishMsgAsync(msg); err != nil {
			b.Fatal(err)
		}
		if i%2000 == 1999 { // stay under the pending limit on a busy machine
			<-js.PublishAsyncComplete()
		}
	}
	<-js.PublishAsyncComplete()
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devNull.Close()

	// On a shared machine the rate says as much about the neighbours as
	// about replay: "raw" reads the same stream with a bare ordered
	// consumer, at the same time, as the yardstick.
	b.Run("raw", func(b *testing.B) {
		start := time.Now()
		for range b.N {
			readRaw(b, nc, events)
		}
		b.ReportMetric(float64(events*b.N)/time.Since(start).Seconds(), "events/s")
	})
	opts := Options{Broker: Broker{NATS: &NATS{URL: srv.ClientURL(), Stream: "HUBWIRE_EVENTS"}}, Out: devNull, Log: io.Discard}
	b.Run("replay", func(b *testing.B) {
		start := time.Now()
		for range b.N {
			if _, err := Run(ctx, opts); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(events*b.N)/time.Since(start).Seconds(), "events/s")
		b.ReportMetric(float64(len(d.Event.Data())), "data-bytes/event")
	})
}

// readRaw reads n messages of the stream with an ordered consumer and
// drops them: the least any replay has to do.
func readRaw(b *testing.B, nc *natsgo.Conn, n int) {
	js, _ := jetstream.New(nc)
	cons, err := js.OrderedConsumer(context.Background(), "HUBWIRE_EVENTS", jetstream.OrderedConsumerConfig{})
	if err != nil {
		b.Fatal(err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(1000))
	if err != nil {
		b.Fatal(err)
	}
	defer it.Stop()
	for range n {
		m, err := it.Next()
		if err != nil {
			b.Fatal(err)
		}
		io.Discard.Write(m.Data())
	}
}
