package nats

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hubwire/hubwire/sinks"
)

// Republisher publishes events, in binary mode, to one subject: replayed
// events fed to a consumer that listens there. When a stream captures the
// subject, each event is stored with a JetStream acknowledgement; otherwise
// it is a plain NATS publish, for the subscribers listening at that moment.
type Republisher struct {
	nc      *natsgo.Conn
	js      jetstream.JetStream
	subject string
	stream  string
	// inflight are the acknowledgements not yet seen, oldest first.
	inflight []published
}

type published struct {
	id     string
	future jetstream.PubAckFuture
}

// maxInflight bounds the events published but not yet acknowledged: enough
// to keep the stream busy, few enough to name the one that failed soon.
const maxInflight = 256

// flushTimeout bounds the wait for the server's answer to a flush, and
// ackTimeout the wait for a stream's acknowledgement.
const (
	flushTimeout = 10 * time.Second
	ackTimeout   = 30 * time.Second
)

// NewRepublisher prepares publishing to subject on nc.
func NewRepublisher(ctx context.Context, nc *natsgo.Conn, subject string) (*Republisher, error) {
	if err := checkSubject(subject); err != nil {
		return nil, err
	}
	// An ack that does not come (the stream's leader changed) must fail
	// the replay, naming the event, rather than hold it forever.
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(ackTimeout))
	if err != nil {
		return nil, err
	}
	p := &Republisher{nc: nc, js: js, subject: subject}
	p.stream, err = js.StreamNameBySubject(ctx, subject)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound), errors.Is(err, jetstream.ErrJetStreamNotEnabled), errors.Is(err, natsgo.ErrNoResponders):
		p.stream = ""
	case err != nil:
		return nil, fmt.Errorf("looking up the stream of subject %s: %w", subject, err)
	}
	return p, nil
}

func checkSubject(s string) error {
	if s == "" || strings.ContainsAny(s, " \t\r\n*>") {
		return fmt.Errorf("subject %q: want a subject without spaces or wildcards, such as replay.events", s)
	}
	for _, tok := range strings.Split(s, ".") {
		if tok == "" {
			return fmt.Errorf("subject %q has an empty token", s)
		}
	}
	return nil
}

// Stream is the stream that stores what is published, "" for none.
func (p *Republisher) Stream() string { return p.stream }

// Publish sends e. Into a stream, it may return before the stream
// acknowledged e; a refusal is returned by a later Publish or by Flush.
func (p *Republisher) Publish(ctx context.Context, e *event.Event) error {
	msg, err := Message(p.subject, e, sinks.Binary)
	if err != nil {
		return err
	}
	if p.stream == "" {
		if err := p.nc.PublishMsg(msg); err != nil {
			return fmt.Errorf("publishing event %s to %s: %w", e.ID(), p.subject, err)
		}
		return nil
	}
	if len(p.inflight) >= maxInflight {
		if err := p.waitOldest(ctx); err != nil {
			return err
		}
	}
	f, err := p.js.PublishMsgAsync(msg)
	if err != nil {
		return fmt.Errorf("publishing event %s to %s (stream %s): %w", e.ID(), p.subject, p.stream, err)
	}
	p.inflight = append(p.inflight, published{e.ID(), f})
	return nil
}

func (p *Republisher) waitOldest(ctx context.Context) error {
	oldest := p.inflight[0]
	p.inflight = p.inflight[1:]
	select {
	case <-oldest.future.Ok():
		return nil
	case err := <-oldest.future.Err():
		return fmt.Errorf("stream %s did not store event %s published to %s: %w", p.stream, oldest.id, p.subject, err)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Flush returns once every event published is acknowledged by the stream,
// or with a plain publish, once the server has them.
func (p *Republisher) Flush(ctx context.Context) error {
	for len(p.inflight) > 0 {
		if err := p.waitOldest(ctx); err != nil {
			return err
		}
	}
	// FlushWithContext wants a deadline; a server that does not answer
	// a ping within it is not taking the events either.
	ctx, cancel := context.WithTimeout(ctx, flushTimeout)
	defer cancel()
	if err := p.nc.FlushWithContext(ctx); err != nil {
		return fmt.Errorf("flushing the events published to %s: %w", p.subject, err)
	}
	return nil
}
