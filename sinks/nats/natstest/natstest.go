// Package natstest helps tests read back what hubwire stored, the way a
// consumer would: a plain NATS client over the network.
package natstest

import (
	"context"
	"errors"
	neturl "net/url"
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
	// A cluster that just lost a node may take a while to elect leaders.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var (
		msgs []*natsgo.Msg
		next uint64 = 1 // the stream sequence to read from
		c    jetstream.Consumer
	)
	// ensure makes a consumer from next on, waiting out a cluster that
	// has no leader for the stream yet.
	ensure := func() {
		for c == nil {
			var err error
			c, err = js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{
				DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: next})
			if err == nil {
				return
			}
			c = nil
			if errors.Is(err, jetstream.ErrStreamNotFound) || ctx.Err() != nil {
				t.Fatalf("read %d of %d messages of %s: %v", len(msgs), want, stream, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	for len(msgs) < want {
		ensure()
		m, err := c.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			// On a cluster that just lost a node the consumer may be
			// gone with its server or its stream's leader: read on with
			// a new one from where this one stopped.
			if errors.Is(err, natsgo.ErrNoResponders) && ctx.Err() == nil {
				c = nil
				time.Sleep(200 * time.Millisecond)
				continue
			}
			t.Fatalf("read %d of %d messages of %s: %v", len(msgs), want, stream, err)
		}
		if meta, err := m.Metadata(); err == nil {
			next = meta.Sequence.Stream + 1
		}
		msgs = append(msgs, &natsgo.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()})
	}
	ensure()
	if m, err := c.Next(jetstream.FetchMaxWait(300 * time.Millisecond)); err == nil {
		t.Fatalf("%s holds more than %d messages; one more on %s", stream, want, m.Subject())
	}
	return msgs
}

// WithLogin is url (nats://host:port) with user and password in it, as a
// client that logs in to hubwire's embedded server connects.
func WithLogin(url, user, password string) string {
	u, err := neturl.Parse(url)
	if err != nil || user == "" {
		return url
	}
	u.User = neturl.UserPassword(user, password)
	return u.String()
}
