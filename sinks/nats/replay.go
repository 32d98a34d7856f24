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
)

// ReplayConfig says which part of a stream a Reader reads.
type ReplayConfig struct {
	// Stream is the JetStream stream (HUBWIRE_EVENTS).
	Stream string
	// Subjects filter the stream (see FilterSubjects); none reads all of it.
	Subjects []string
	// StartSeq, when not 0, is the first stream sequence to read;
	// otherwise StartTime, when set, is the earliest time the stream
	// stored an event at; otherwise the reader starts at the beginning, or
	// with Follow at the events stored from now on.
	StartSeq  uint64
	StartTime time.Time
	// Until, when set, ends reading before the first event stored after it.
	Until time.Time
	// Follow keeps reading new events until the context ends. Otherwise
	// the reader stops at the end of the stream as it was when it started.
	Follow bool
	// Batch is how many messages the reader fetches ahead (default 1000).
	Batch int
}

// Stored is one message of the stream, decoded only as far as asked: a
// replay to standard output needs its JSON, not an event.Event. A message
// that is not a CloudEvent shows as an error of Event or AppendJSON.
type Stored struct {
	Subject string
	// Seq is the stream sequence; Time is when the stream stored it.
	Seq  uint64
	Time time.Time

	msg   *natsgo.Msg
	event *event.Event
}

// Event decodes the message with the CloudEvents SDK (see ToEvent).
func (s *Stored) Event(ctx context.Context) (*event.Event, error) {
	if s.event == nil {
		e, err := ToEvent(ctx, s.msg)
		if err != nil {
			return nil, err
		}
		s.event = e
	}
	return s.event, nil
}

// Attribute is a context attribute or extension of the event, "" when it
// has none (or is not an event). In binary mode it is read from its header.
func (s *Stored) Attribute(name string) string {
	if s.event == nil && s.msg.Header.Get("ce-specversion") != "" {
		return PercentDecode(s.msg.Header.Get("ce-" + name))
	}
	e, err := s.Event(context.Background())
	if err != nil {
		return ""
	}
	return attributeOf(e, name)
}

// AppendJSON appends the event as structured-mode JSON, on one line.
func (s *Stored) AppendJSON(dst []byte) ([]byte, error) {
	if out, ok := appendStructured(dst, s.msg); ok {
		return out, nil
	}
	e, err := s.Event(context.Background())
	if err != nil {
		return dst, err
	}
	b, err := e.MarshalJSON()
	if err != nil {
		return dst, fmt.Errorf("encoding event %s: %w", e.ID(), err)
	}
	return append(dst, b...), nil
}

// Reader reads events back from a stream with an ordered consumer: the
// stream's own replay, in stream order, nothing kept anywhere else.
type Reader struct {
	cfg  ReplayConfig
	js   jetstream.JetStream
	cons jetstream.Consumer
	// last is the stream's last sequence when the reader started, and
	// pending how many messages the consumer had to deliver then.
	last, pending uint64
}

// idleCheck is how long Read waits for a message before it asks the
// server whether any are left (they may have expired meanwhile).
const idleCheck = 2 * time.Second

// NewReader creates the consumer on nc. Close the reader when done.
func NewReader(ctx context.Context, nc *natsgo.Conn, cfg ReplayConfig) (*Reader, error) {
	if cfg.Batch <= 0 {
		cfg.Batch = 1000
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	stream, err := js.Stream(ctx, cfg.Stream)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		return nil, fmt.Errorf("stream %s does not exist at %s: is hubwire serve using this broker? (check --broker and --stream)", cfg.Stream, nc.ConnectedUrlRedacted())
	case errors.Is(err, jetstream.ErrJetStreamNotEnabled), errors.Is(err, natsgo.ErrNoResponders):
		return nil, fmt.Errorf("the NATS server at %s has no JetStream, so no hubwire stream: check --broker", nc.ConnectedUrlRedacted())
	case err != nil:
		return nil, fmt.Errorf("looking up stream %s: %w", cfg.Stream, err)
	}
	occ := jetstream.OrderedConsumerConfig{FilterSubjects: cfg.Subjects, NamePrefix: "hubwire_replay_" + strings.TrimPrefix(natsgo.NewInbox(), natsgo.InboxPrefix)}
	switch {
	case cfg.StartSeq > 0:
		occ.DeliverPolicy, occ.OptStartSeq = jetstream.DeliverByStartSequencePolicy, cfg.StartSeq
	case !cfg.StartTime.IsZero():
		start := cfg.StartTime
		occ.DeliverPolicy, occ.OptStartTime = jetstream.DeliverByStartTimePolicy, &start
	case cfg.Follow:
		occ.DeliverPolicy = jetstream.DeliverNewPolicy
	default:
		occ.DeliverPolicy = jetstream.DeliverAllPolicy
	}
	r := &Reader{cfg: cfg, js: js, last: stream.CachedInfo().State.LastSeq}
	if r.cons, err = stream.OrderedConsumer(ctx, occ); err != nil {
		return nil, fmt.Errorf("reading stream %s (filters %v): %w", cfg.Stream, cfg.Subjects, err)
	}
	if info := r.cons.CachedInfo(); info != nil {
		r.pending = info.NumPending
	}
	return r, nil
}

// Pending is how many messages the reader had to read when it started
// (before Until); 0 when it follows from now.
func (r *Reader) Pending() uint64 { return r.pending }

// Read calls fn with each message, in stream order, until the end (see
// ReplayConfig.Follow), ctx ends (nil), or fn returns an error (that error).
func (r *Reader) Read(ctx context.Context, fn func(*Stored) error) error {
	if !r.cfg.Follow && r.pending == 0 {
		return nil
	}
	it, err := r.cons.Messages(jetstream.PullMaxMessages(r.cfg.Batch))
	if err != nil {
		return fmt.Errorf("reading stream %s: %w", r.cfg.Stream, err)
	}
	defer it.Stop()
	// Next takes no context together with a timeout; stopping the
	// iterator ends a Next that waits.
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	var opts []jetstream.NextOpt
	if !r.cfg.Follow {
		opts = append(opts, jetstream.NextMaxWait(idleCheck))
	}
	for {
		msg, err := it.Next(opts...)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, natsgo.ErrTimeout) {
			if r.drained(ctx) {
				return nil
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("reading stream %s: %w", r.cfg.Stream, err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("reading stream %s: %w", r.cfg.Stream, err)
		}
		seq := meta.Sequence.Stream
		if (!r.cfg.Follow && seq > r.last) || (!r.cfg.Until.IsZero() && meta.Timestamp.After(r.cfg.Until)) {
			return nil
		}
		stored := &Stored{Subject: msg.Subject(), Seq: seq, Time: meta.Timestamp,
			msg: &natsgo.Msg{Subject: msg.Subject(), Header: msg.Headers(), Data: msg.Data()}}
		if err := fn(stored); err != nil {
			return err
		}
		if !r.cfg.Follow && (seq >= r.last || meta.NumPending == 0) {
			return nil
		}
	}
}

// drained asks the server whether the consumer has anything left to
// deliver: messages counted at the start may have expired since. When the
// server does not say (the ordered consumer is being recreated, the
// connection is down), reading goes on and asks again later.
func (r *Reader) drained(ctx context.Context) bool {
	info, err := r.cons.Info(ctx)
	return err == nil && (info.NumPending == 0 || info.Delivered.Stream >= r.last)
}

// Close removes the reader's consumer from the server now rather than
// when the server notices it is idle.
func (r *Reader) Close() {
	info := r.cons.CachedInfo()
	if info == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = r.js.DeleteConsumer(ctx, r.cfg.Stream, info.Name)
}
