// Package natstest helps tests read back what hubwire stored, the way a
// consumer would: a plain NATS client over the network.
package natstest

import (
	"context"
	"errors"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ReadStream reads every message of stream from the server at url with an
// ordered consumer, and fails the test unless it holds exactly want.
func ReadStream(t testing.TB, url, stream string, want int) []*natsgo.Msg {
	t.Helper()
	nc, err := natsgo.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []*natsgo.Msg
	for len(msgs) < want {
		m, err := c.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			// On a cluster that just lost a node the stream may be
			// electing a leader; the ordered consumer recovers by itself.
			if errors.Is(err, natsgo.ErrNoResponders) && ctx.Err() == nil {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			t.Fatalf("read %d of %d messages of %s: %v", len(msgs), want, stream, err)
		}
		msgs = append(msgs, &natsgo.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()})
	}
	if m, err := c.Next(jetstream.FetchMaxWait(300 * time.Millisecond)); err == nil {
		t.Fatalf("%s holds more than %d messages; one more on %s", stream, want, m.Subject())
	}
	return msgs
}
