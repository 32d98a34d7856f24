// Package store is hubwire's storage policy, in one place: a delivery is
// answered 202 only once its event is stored, in the broker or, while the
// broker cannot take it in time, in the local spool that forwards it in
// order later; an event with a callback_url has its delivery record
// written beside the publish, or beside the forward.
//
// It knows sinks, not registries: an event arrives as a sinks.Entry.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/hubwire/hubwire/sinks"
	"github.com/hubwire/hubwire/sinks/spool"
)

// Recorder keeps the delivery records of stored events (the reply
// subscriber, which needs the callback_url hubwire keeps out of the
// event). Received is called for every event with a callback_url while it
// is being published, or when the spool forwards it; where names the
// sink's destination. Any other event is recorded by its first ack, if it
// gets one.
type Recorder interface {
	Received(ctx context.Context, e sinks.Entry, where sinks.Receipt) error
}

// Config configures a Store.
type Config struct {
	// Sink is the broker.
	Sink sinks.Sink
	// Recorder, when set, is told of every event with a callback_url.
	Recorder Recorder
	// Timeout bounds a Put: the broker gets most of it, the spool (when
	// there is one) the rest.
	Timeout time.Duration
	// SpoolDir and SpoolMaxBytes configure the spool; 0 bytes: none.
	SpoolDir      string
	SpoolMaxBytes int64
	Metrics       *Metrics
	Logger        *slog.Logger
}

// Store puts events in the broker, or in the spool.
type Store struct {
	cfg   Config
	spool *spool.Spool
	// deadline is the context that Context last handed out.
	deadline atomic.Pointer[deadlineCtx]
}

// ErrNotRecorded marks an event the broker stored without its delivery
// record; ErrNotSpooled one that neither the broker nor the spool took in
// time. spool.ErrFull and sinks.ErrTooLarge come through as they are.
var (
	ErrNotRecorded = errors.New("delivery record not written")
	ErrNotSpooled  = errors.New("not stored by the broker, nor by the spool")
)

// New returns a Store, opening its spool (and forwarding what an earlier
// run left in it) when one is configured.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Sink == nil {
		return nil, errors.New("store needs a sink")
	}
	if cfg.Timeout <= 0 {
		return nil, fmt.Errorf("publish timeout %v: must be positive", cfg.Timeout)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Store{cfg: cfg}
	if cfg.SpoolMaxBytes > 0 {
		sp, err := spool.Open(ctx, spool.Config{
			Dir:      cfg.SpoolDir,
			MaxBytes: cfg.SpoolMaxBytes,
			Primary:  cfg.Sink,
			// A spooled event's delivery record is written when it is
			// forwarded, since the record lives in the broker too; and
			// only then is it counted as stored.
			Forwarded: func(ctx context.Context, e sinks.Entry, r sinks.Receipt) error {
				if cfg.Recorder != nil && e.CallbackURL != "" {
					if err := cfg.Recorder.Received(ctx, e, cfg.Sink.Destination()); err != nil {
						return err
					}
				}
				cfg.Metrics.forwarded(e.Source, e.Event.Type(), r)
				return nil
			},
			ForwardTimeout: cfg.Timeout,
			Logger:         cfg.Logger.With("component", "spool"),
		})
		if err != nil {
			return nil, err
		}
		s.spool = sp
	}
	return s, nil
}

// Spool is the store's spool; nil when it has none.
func (s *Store) Spool() *spool.Spool { return s.spool }

// Close closes the spool; a forward cut short by it is kept, with what it
// has not forwarded, for the next start. The sink is the caller's.
func (s *Store) Close() error {
	if s.spool != nil {
		return s.spool.Close()
	}
	return nil
}

// Timeout is how long a Put may take, where ctx sets no deadline.
func (s *Store) Timeout() time.Duration { return s.cfg.Timeout }

// DeadlineStep is how much earlier than the store's timeout after now the
// deadline of a context from Context may fall.
const DeadlineStep = 10 * time.Millisecond

// deadlineCtx is a context that ends at made plus the store's timeout,
// shared by the deliveries that begin within DeadlineStep after made, and
// the share of it the broker gets when there is a spool.
type deadlineCtx struct {
	context.Context
	made    time.Time
	publish context.Context
	// cancel is never called: the context ends at its deadline, which
	// releases its timer; it is kept for vet.
	cancel, cancelPublish context.CancelFunc
}

// Context is a context for one delivery's Puts, begun at now: it ends no
// later than the store's timeout after now, and at most DeadlineStep
// sooner, and is never canceled before. Deliveries begun within
// DeadlineStep of one another share it, so that a delivery costs no
// context, timer or cancel of its own (context.WithTimeout per delivery
// was ~1% of the CPU and four allocations).
func (s *Store) Context(now time.Time) context.Context {
	c := s.deadline.Load()
	// now before made: the context would end after now's deadline.
	if c != nil && !now.Before(c.made) && now.Sub(c.made) < DeadlineStep {
		return c
	}
	// Several deliveries may make one at once: each uses its own, the last
	// stored is shared.
	c = &deadlineCtx{made: now}
	deadline := now.Add(s.cfg.Timeout)
	c.Context, c.cancel = context.WithDeadline(context.Background(), deadline)
	c.publish, c.cancelPublish = context.WithDeadline(c.Context, deadline.Add(-brokerShare(s.cfg.Timeout)))
	s.deadline.Store(c)
	return c
}

// brokerShare is how much of left the broker leaves to the spool.
func brokerShare(left time.Duration) time.Duration { return min(left/4, 2*time.Second) }

// Put stores e by ctx's deadline (or within the store's timeout): in the
// broker, or, when the broker cannot take it in time and a spool is
// configured, in the spool. While the spool holds events, new ones go
// behind them, so that the broker gets them in order. A nil error means
// the event is durable.
func (s *Store) Put(ctx context.Context, e sinks.Entry) (sinks.Receipt, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		ctx = s.Context(time.Now())
	}
	sp := s.spool
	if sp == nil {
		return s.publish(ctx, e)
	}
	if sp.Backlogged() {
		return s.toSpool(ctx, e, "events wait in the spool")
	}
	// The broker gets most of the time left; the rest is the spool's.
	var pctx context.Context
	if c, ok := ctx.(*deadlineCtx); ok {
		pctx = c.publish
	} else {
		left := time.Until(deadline)
		var pcancel context.CancelFunc
		pctx, pcancel = context.WithTimeout(ctx, left-brokerShare(left))
		defer pcancel()
	}
	receipt, err := s.publish(pctx, e)
	if err == nil || errors.Is(err, sinks.ErrTooLarge) {
		return receipt, err
	}
	return s.toSpool(ctx, e, err.Error())
}

// publish stores e in the broker and writes its delivery record.
func (s *Store) publish(ctx context.Context, e sinks.Entry) (sinks.Receipt, error) {
	// The delivery record is written while the event is published, so
	// that a delivery waits for one broker round trip, not two. Either may
	// fail alone: a retry is then dropped as a duplicate event, or finds
	// the record already there.
	var recorded chan error
	if s.cfg.Recorder != nil && e.CallbackURL != "" {
		recorded = make(chan error, 1)
		go func() { recorded <- s.cfg.Recorder.Received(ctx, e, s.cfg.Sink.Destination()) }()
	}
	began := time.Now()
	receipt, err := s.cfg.Sink.Publish(ctx, e.Address, e.Event)
	var recErr error
	if recorded != nil {
		recErr = <-recorded
	}
	if err != nil {
		return receipt, err
	}
	s.cfg.Metrics.stored(e.Source, e.Event.Type(), receipt, time.Since(began))
	if recErr != nil {
		return receipt, fmt.Errorf("%w: %w", ErrNotRecorded, recErr)
	}
	return receipt, nil
}

// toSpool keeps e on local disk; the spool's forwarder publishes it and
// writes its delivery record once the broker is back.
func (s *Store) toSpool(ctx context.Context, e sinks.Entry, why string) (sinks.Receipt, error) {
	receipt, err := s.spool.Put(ctx, e)
	if err != nil && !errors.Is(err, spool.ErrFull) {
		return receipt, fmt.Errorf("%w (%s): %w", ErrNotSpooled, why, err)
	}
	if err == nil {
		s.cfg.Logger.Info("event spooled", "event_id", e.Event.ID(), "reason", why)
	}
	return receipt, err
}

// Readiness says whether a delivery would be answered 2xx now; it is the
// body of /readyz. Error is set only beside "unavailable"; Broker says how
// the broker is (ready, or what is wrong and what the spool does about it).
type Readiness struct {
	Status string        `json:"status"`
	Error  string        `json:"error,omitempty"`
	Broker string        `json:"broker"`
	Spool  *spool.Status `json:"spool,omitempty"`
}

// CheckTimeout bounds each readiness check on its own: a hung broker must
// not use up the time the spool's check needs (the spool is what carries
// the load then).
const CheckTimeout = 1500 * time.Millisecond

// Ready reports whether a delivery of up to room bytes would be stored
// now: in the broker or, while the broker is away, in the spool. The
// broker and the spool are checked side by side, each within
// CheckTimeout (or ctx's deadline, if sooner).
func (s *Store) Ready(ctx context.Context, room int64) Readiness {
	brokerErr := make(chan error, 1)
	go func() {
		bctx, cancel := context.WithTimeout(ctx, CheckTimeout)
		defer cancel()
		brokerErr <- s.cfg.Sink.Ready(bctx)
	}()
	var st spool.Status
	var spoolErr error
	if sp := s.spool; sp != nil {
		sctx, cancel := context.WithTimeout(ctx, CheckTimeout)
		st, spoolErr = sp.Status(sctx)
		cancel()
		if spoolErr == nil {
			spoolErr = sp.Failing(room)
		}
	}
	r := Readiness{Status: "ready", Broker: "ready"}
	if err := <-brokerErr; err != nil {
		r.Broker = "unavailable: " + err.Error()
		if s.spool == nil {
			r.Status, r.Error = "unavailable", "the broker cannot take events: "+err.Error()
			return r
		}
		r.Broker += "; deliveries are spooled"
	} else if rr, ok := s.cfg.Recorder.(interface{ Ready(context.Context) error }); ok {
		// The delivery records (NATS's bucket and streams) are the
		// broker's too: a delivery with a callback is answered 503
		// without them.
		rctx, cancel := context.WithTimeout(ctx, CheckTimeout)
		err := rr.Ready(rctx)
		cancel()
		if err != nil {
			r.Status, r.Error = "unavailable", "delivery records: "+err.Error()
			return r
		}
	}
	if s.spool == nil {
		return r
	}
	switch {
	case spoolErr != nil:
		r.Status, r.Error = "unavailable", spoolErr.Error()
		if r.Broker == "ready" && !s.spool.Backlogged() {
			// The broker takes deliveries directly.
			r.Status, r.Error = "ready", ""
		}
		return r
	case int64(st.Bytes)+room > st.MaxBytes && (r.Broker != "ready" || s.spool.Backlogged()):
		r.Status, r.Error = "unavailable", fmt.Sprintf("the spool is full (%d of %d bytes); deliveries are answered 503 until the broker takes its events", st.Bytes, st.MaxBytes)
	}
	r.Spool = &st
	return r
}
