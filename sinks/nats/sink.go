// Package nats is the NATS JetStream sink: it publishes events to a
// stream, in the CloudEvents NATS binding, and can embed the NATS server
// for the zero-configuration setup.
package nats

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hubwire/hubwire/sinks"
)

// Config configures the sink.
type Config struct {
	Stream StreamConfig
	Mode   sinks.Mode
}

// Sink publishes events to a JetStream stream.
type Sink struct {
	nc     *natsgo.Conn
	js     jetstream.JetStream
	cfg    Config
	stream string
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
		return nil, fmt.Errorf("connecting to NATS at %s: %w (is the server running and reachable? check --broker)", urls, err)
	}
	return nc, nil
}

// ConnectInProcess connects to an embedded server without a socket.
func ConnectInProcess(srv *server.Server) (*natsgo.Conn, error) {
	return Connect("", natsgo.InProcessServer(srv))
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
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	if _, err := ensureStream(ctx, js, cfg.Stream); err != nil {
		return nil, err
	}
	return &Sink{nc: nc, js: js, cfg: cfg, stream: cfg.Stream.Name}, nil
}

// Publish implements sinks.Sink: it returns once JetStream acknowledged
// the event (stored, or recognised as a duplicate).
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
	if size := int64(len(msg.Data)) + headerSize(msg.Header); size > s.nc.MaxPayload() {
		return sinks.Receipt{}, &sinks.TooLargeError{ID: e.ID(), Size: size, Max: s.nc.MaxPayload(), Broker: "the NATS server"}
	}
	ack, err := s.js.PublishMsg(ctx, msg)
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
	if _, err := s.js.Stream(ctx, s.stream); err != nil {
		return fmt.Errorf("stream %s: %w", s.stream, err)
	}
	return nil
}

// Close implements sinks.Sink. Publish waits for every ack, so nothing is
// left in flight to drain.
func (s *Sink) Close() error {
	s.nc.Close()
	return nil
}
