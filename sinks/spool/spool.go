// Package spool keeps events on local disk while the broker cannot take
// them, and forwards them to it, in the order they arrived, once it can.
//
// The store is a JetStream stream of an in-process nats-server that
// listens on no port, on the data directory, with every write fsynced: an
// event in the spool survives a crash of hubwire and of the machine.
package spool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hubwire/hubwire/internal/rawjson"
	"github.com/hubwire/hubwire/sinks"
)

// Config configures a spool.
type Config struct {
	// Dir holds the spool's store (under Dir/spool).
	Dir string
	// MaxBytes bounds the store; Put answers ErrFull beyond it.
	MaxBytes int64
	// Primary is the broker the spool forwards to.
	Primary sinks.Sink
	// Forwarded runs after Primary stored an entry and before the entry
	// leaves the spool (hubwire writes the delivery record there). An
	// error keeps the entry, to be forwarded again.
	Forwarded func(ctx context.Context, e sinks.Entry, r sinks.Receipt) error
	// ForwardTimeout bounds one forward attempt.
	ForwardTimeout time.Duration
	Logger         *slog.Logger
}

// ErrFull is a Put refused because the spool holds MaxBytes already;
// ErrDiskFull one refused because the spool's disk has no room left.
var (
	ErrFull     = errors.New("spool full")
	ErrDiskFull = errors.New("spool's disk is full")
)

const (
	streamName = "HUBWIRE_SPOOL"
	subject    = "hubwire.spool"
)

// Spool is the local store and its forwarder.
type Spool struct {
	cfg    Config
	srv    *server.Server
	nc     *natsgo.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
	dir    string // the store's directory
	// mark remembers the last entry forwarded; next is where the
	// forwarder starts.
	mark *mark
	next uint64

	// pending counts entries not yet forwarded; while it is above zero
	// new deliveries queue behind them, so that the broker sees them in
	// the order they arrived.
	pending atomic.Int64
	// forwarded and spooled count since start, for metrics.
	spooled, forwarded atomic.Uint64

	// stop ends the forwarder; cancel ends its forward in progress, which
	// then stays in the spool for the next start.
	stop   chan struct{}
	closed sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// Open starts the store on cfg.Dir and the forwarder, which at once
// begins to drain what an earlier run left there.
func Open(ctx context.Context, cfg Config) (_ *Spool, err error) {
	if cfg.MaxBytes <= 0 {
		return nil, fmt.Errorf("spool size %d: must be positive", cfg.MaxBytes)
	}
	if cfg.ForwardTimeout <= 0 {
		cfg.ForwardTimeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Spool{cfg: cfg, stop: make(chan struct{}), dir: filepath.Join(cfg.Dir, "spool")}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	defer func() {
		if err != nil {
			s.shutdown()
		}
	}()
	s.srv, err = server.NewServer(&server.Options{
		ServerName: "hubwire-spool",
		DontListen: true,
		JetStream:  true,
		StoreDir:   s.dir,
		// An answer of 202 promises the event survives a crash of the
		// machine, not only of the process.
		SyncAlways: true,
		NoSigs:     true,
		MaxPayload: 64 << 20,
	})
	if err != nil {
		return nil, fmt.Errorf("spool store: %w", err)
	}
	s.srv.SetLoggerV2(nil, false, false, false)
	go s.srv.Start()
	if !s.srv.ReadyForConnections(30 * time.Second) {
		return nil, fmt.Errorf("spool store under %s did not start within 30s", cfg.Dir)
	}
	if s.nc, err = natsgo.Connect("", natsgo.InProcessServer(s.srv), natsgo.Name("hubwire-spool")); err != nil {
		return nil, fmt.Errorf("spool store: %w", err)
	}
	if s.js, err = jetstream.New(s.nc); err != nil {
		return nil, err
	}
	s.stream, err = s.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        streamName,
		Description: "hubwire: events waiting for the broker",
		Subjects:    []string{subject},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardNew,
		MaxBytes:    cfg.MaxBytes,
		// A delivery retried while its first copy waits here is spooled once.
		Duplicates: 10 * time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("spool store under %s: %w", cfg.Dir, err)
	}
	info, err := s.stream.Info(ctx)
	if err != nil {
		return nil, err
	}
	var forwarded uint64
	if s.mark, forwarded, err = openMark(s.dir); err != nil {
		return nil, err
	}
	if forwarded > info.State.LastSeq {
		// The mark is older than the store (the store was removed and
		// made anew): it says nothing of these entries.
		if err := s.mark.set(0); err != nil {
			return nil, fmt.Errorf("spool mark: %w", err)
		}
		forwarded = 0
	}
	// Entries forwarded but not removed (the disk was full) are not
	// forwarded again: removed now if the disk allows, skipped anyway.
	skipped := s.dropForwarded(ctx, forwarded)
	s.next = forwarded + 1
	s.pending.Store(int64(info.State.Msgs) - int64(skipped))
	if skipped > 0 {
		cfg.Logger.Info("spool holds events an earlier run forwarded but could not remove; they are not forwarded again", "events", skipped)
	}
	info.State.Msgs -= uint64(skipped)
	if n := info.State.Msgs; n > 0 {
		cfg.Logger.Info("spool holds events from an earlier run; forwarding them", "events", n)
	}
	s.done.Add(1)
	go s.forward()
	return s, nil
}

// dropForwarded removes the entries up to seq (forwarded already) and
// counts them.
func (s *Spool) dropForwarded(ctx context.Context, seq uint64) int {
	n := 0
	for next := uint64(1); next <= seq; {
		raw, err := s.stream.GetMsg(ctx, next, jetstream.WithGetMsgSubject(subject))
		if err != nil || raw.Sequence > seq {
			return n
		}
		n++
		s.stream.DeleteMsg(ctx, raw.Sequence) // may fail again; skipped all the same
		next = raw.Sequence + 1
	}
	return n
}

// diskMargin is the room the spool's store needs beside an entry (its
// index, a new block): below it, a write would fail, and the store answers
// a publish whose write failed not at all.
const diskMargin = 256 << 10

// Failing says why the spool cannot take an entry of room bytes now: its
// disk is full. nil when it can.
func (s *Spool) Failing(room int64) error {
	free, err := freeBytes(s.dir)
	if err != nil {
		return fmt.Errorf("spool: reading the free space under %s: %w", s.dir, err)
	}
	if free < uint64(room)+diskMargin {
		return fmt.Errorf("%w: %d bytes free under %s; deliveries are answered 503 until there is room or the broker takes them", ErrDiskFull, free, s.dir)
	}
	return nil
}

// Put stores e durably. The receipt names the broker the event is bound
// for, with Spooled set.
func (s *Spool) Put(ctx context.Context, e sinks.Entry) (sinks.Receipt, error) {
	body, err := rawjson.Marshal(e)
	if err != nil {
		return sinks.Receipt{}, fmt.Errorf("spooling event %s: %w", e.Event.ID(), err)
	}
	// On a full disk the store never answers a publish whose write
	// failed: the delivery would wait out its deadline for a 503. Look
	// first, and answer at once.
	if err := s.Failing(int64(len(body))); err != nil {
		return sinks.Receipt{}, fmt.Errorf("event %s: %w", e.Event.ID(), err)
	}
	msg := natsgo.NewMsg(subject)
	msg.Data = body
	msg.Header.Set(jetstream.MsgIDHeader, e.Event.ID())
	ack, err := s.js.PublishMsg(ctx, msg)
	if err != nil {
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && strings.Contains(apiErr.Description, "maximum bytes") {
			return sinks.Receipt{}, fmt.Errorf("event %s: %w (%d bytes, --spool-max-bytes)", e.Event.ID(), ErrFull, s.cfg.MaxBytes)
		}
		return sinks.Receipt{}, fmt.Errorf("spooling event %s: %w", e.Event.ID(), err)
	}
	if !ack.Duplicate {
		s.pending.Add(1)
		s.spooled.Add(1)
	}
	r := s.cfg.Primary.Destination()
	r.Spooled = true
	r.Duplicate = ack.Duplicate
	return r, nil
}

// Backlogged reports whether events wait in the spool; new deliveries
// should then be spooled behind them rather than overtake them.
func (s *Spool) Backlogged() bool { return s.pending.Load() > 0 }

// Status is how full the spool is.
type Status struct {
	Events   uint64 `json:"events"`
	Bytes    uint64 `json:"bytes"`
	MaxBytes int64  `json:"max_bytes"`
	// Spooled and Forwarded count events since hubwire started.
	Spooled   uint64 `json:"-"`
	Forwarded uint64 `json:"-"`
}

// Status reads the store's state.
func (s *Spool) Status(ctx context.Context) (Status, error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return Status{}, fmt.Errorf("spool: %w", err)
	}
	return Status{
		Events: info.State.Msgs, Bytes: info.State.Bytes, MaxBytes: s.cfg.MaxBytes,
		Spooled: s.spooled.Load(), Forwarded: s.forwarded.Load(),
	}, nil
}

// Close stops the forwarder (a forward in progress is cancelled and its
// entry kept) and the store. What is left stays on disk for the next
// Open. Closing again does nothing.
func (s *Spool) Close() error {
	s.closed.Do(func() {
		close(s.stop)
		s.cancel()
		s.done.Wait()
		s.shutdown()
	})
	return nil
}

func (s *Spool) shutdown() {
	s.cancel()
	if s.nc != nil {
		s.nc.Close()
	}
	if s.mark != nil {
		s.mark.close()
	}
	if s.srv != nil {
		s.srv.Shutdown()
		s.srv.WaitForShutdown()
	}
}
