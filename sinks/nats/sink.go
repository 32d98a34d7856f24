// Package nats is the NATS JetStream sink: it publishes events to a
// stream, in the CloudEvents NATS binding, and can embed the NATS server
// for the zero-configuration setup.
package nats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hubwire/hubwire/internal/redact"
	"github.com/hubwire/hubwire/sinks"
)

// Config configures the sink.
type Config struct {
	Stream StreamConfig
	Mode   sinks.Mode
	// Logger gets the warning when the stream, deleted while hubwire
	// runs, is made again.
	Logger *slog.Logger
}

// Sink publishes events to a JetStream stream.
type Sink struct {
	nc     *natsgo.Conn
	js     jetstream.JetStream
	acks   *acks
	cfg    Config
	stream string
	// remaking lets one caller at a time make a missing stream again.
	remaking sync.Mutex
}

var _ sinks.Sink = (*Sink)(nil)

// Connect dials the NATS servers at urls (comma-separated, nats://…), and
// keeps reconnecting for as long as hubwire runs.
func Connect(urls string, opts ...natsgo.Option) (*natsgo.Conn, error) {
	opts = append([]natsgo.Option{
		natsgo.Name("hubwire"),
		natsgo.MaxReconnects(-1),
		natsgo.ReconnectWait(250 * time.Millisecond),
	}, opts...)
	nc, err := natsgo.Connect(urls, opts...)
	if err != nil {
		if errors.Is(err, natsgo.ErrAuthorization) {
			return nil, fmt.Errorf("connecting to NATS at %s: %w", redact.URLs(urls), err)
		}
		return nil, fmt.Errorf("connecting to NATS at %s: %w (is the server running and reachable? check --broker)", redact.URLs(urls), err)
	}
	return nc, nil
}

// New sets up the stream on nc and returns a sink publishing to it. The
// sink owns nc from then on and closes it in Close.
func New(ctx context.Context, nc *natsgo.Conn, cfg Config) (*Sink, error) {
	if cfg.Mode == "" {
		cfg.Mode = sinks.Binary
	}
	if cfg.Stream.SubjectPrefix == "" {
		cfg.Stream.SubjectPrefix = DefaultSubjectPrefix
	}
	if cfg.Stream.Replicas == 0 {
		cfg.Stream.Replicas = 1
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	if _, err := ensureStream(ctx, js, cfg.Stream); err != nil {
		return nil, err
	}
	a, err := newAcks(nc, cfg.Stream.Name)
	if err != nil {
		return nil, err
	}
	return &Sink{nc: nc, js: js, acks: a, cfg: cfg, stream: cfg.Stream.Name}, nil
}

// missingStream reports whether err says no stream took a publish (or
// none has the name): the stream was deleted while hubwire ran.
func missingStream(err error) bool {
	return errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, natsgo.ErrNoResponders) || errors.Is(err, jetstream.ErrStreamNotFound)
}

// remake makes the stream again with hubwire's settings, if it is still
// missing when this caller's turn comes, and says so in the log.
func (s *Sink) remake(ctx context.Context) error {
	s.remaking.Lock()
	defer s.remaking.Unlock()
	if _, err := s.js.Stream(ctx, s.stream); err == nil {
		return nil // another caller made it meanwhile
	} else if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("stream %s: %w", s.stream, err)
	}
	if _, err := ensureStream(ctx, s.js, s.cfg.Stream); err != nil {
		return fmt.Errorf("stream %s is missing and could not be made again: %w", s.stream, err)
	}
	s.cfg.Logger.Warn("stream was missing (deleted while hubwire ran?); made it again with hubwire's settings: the events it held are gone", "stream", s.stream)
	return nil
}

// Publish implements sinks.Sink: it returns once JetStream acknowledged
// the event (stored, or recognised as a duplicate). Publishes from many
// goroutines at once share the connection and one subscription for their
// PubAcks (see acks).
func (s *Sink) Publish(ctx context.Context, addr sinks.Address, e *event.Event) (sinks.Receipt, error) {
	subject := Subject(s.cfg.Stream.SubjectPrefix, addr)
	var msg *natsgo.Msg
	if s.cfg.Mode == sinks.Binary {
		o := outgoingPool.Get().(*outgoing)
		defer outgoingPool.Put(o)
		if err := o.fill(subject, e); err != nil {
			return sinks.Receipt{}, err
		}
		msg = &o.msg
	} else {
		var err error
		if msg, err = Message(subject, e, s.cfg.Mode); err != nil {
			return sinks.Receipt{}, err
		}
	}
	// A message over the server's limit is refused by nats.go before it
	// is sent (ErrMaxPayload, below).
	ack, err := s.acks.publish(ctx, msg)
	if err != nil && missingStream(err) {
		// Deleted while hubwire runs: make it again and publish once more.
		if rerr := s.remake(ctx); rerr != nil {
			return sinks.Receipt{}, fmt.Errorf("publishing event %s: %w", e.ID(), rerr)
		}
		ack, err = s.acks.publish(ctx, msg)
	}
	if err != nil {
		if errors.Is(err, natsgo.ErrMaxPayload) {
			return sinks.Receipt{}, &sinks.TooLargeError{ID: e.ID(), Size: int64(len(msg.Data)) + headerSize(msg.Header), Max: s.nc.MaxPayload(), Broker: "the NATS server", Err: err}
		}
		return sinks.Receipt{}, fmt.Errorf("publishing event %s to stream %s: %w", e.ID(), s.stream, err)
	}
	return sinks.Receipt{Broker: "nats", Stream: ack.Stream, Seq: ack.Sequence, Duplicate: ack.Duplicate}, nil
}

func headerSize(h natsgo.Header) int64 {
	n := int64(len("NATS/1.0\r\n\r\n"))
	for k, vs := range h {
		for _, v := range vs {
			n += int64(len(k) + len(v) + 4)
		}
	}
	return n
}

// Destination implements sinks.Sink.
func (s *Sink) Destination() sinks.Receipt { return sinks.Receipt{Broker: "nats", Stream: s.stream} }

// Conn is the sink's connection, for the parts of hubwire that read from
// NATS (the reply subscriber). It is closed with the sink.
func (s *Sink) Conn() *natsgo.Conn { return s.nc }

// Ready implements sinks.Sink: connected, and the stream is there.
func (s *Sink) Ready(ctx context.Context) error {
	if st := s.nc.Status(); st != natsgo.CONNECTED {
		return fmt.Errorf("NATS connection is %s", st)
	}
	// A stream deleted while hubwire runs is made again here too: a
	// replica taken out of service for it would never get the delivery
	// that makes it.
	if _, err := s.js.Stream(ctx, s.stream); errors.Is(err, jetstream.ErrStreamNotFound) {
		return s.remake(ctx)
	} else if err != nil {
		return fmt.Errorf("stream %s: %w", s.stream, err)
	}
	return nil
}

// Close implements sinks.Sink. Publish waits for every ack, so nothing is
// left in flight to drain.
func (s *Sink) Close() error {
	s.acks.close()
	s.nc.Close()
	return nil
}
