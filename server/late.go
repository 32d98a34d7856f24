package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	natsgo "github.com/nats-io/nats.go"

	"github.com/hubwire/hubwire/internal/redact"
	"github.com/hubwire/hubwire/sinks"
)

// unreachable reports whether err is an external broker that cannot be
// reached (down, or not answering), as opposed to one that answered and
// refused (a stream with other subjects, bad credentials): the first is
// waited for, the second stops hubwire.
func unreachable(err error) bool {
	var netErr *net.OpError
	return errors.Is(err, natsgo.ErrNoServers) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, natsgo.ErrTimeout) ||
		errors.As(err, &netErr)
}

// brokerName names the external broker in messages, without credentials.
func (b *Broker) brokerName() string {
	if b.Kind == "kafka" {
		return "Kafka at " + strings.Join(b.Kafka.Brokers, ",")
	}
	return "NATS at " + redact.URLs(b.URL)
}

// retryWait is how long to wait before connecting again: from 250 ms up
// to 5 s, with jitter so that replicas do not retry in step.
func retryWait(attempt int) time.Duration {
	d := min(250*time.Millisecond<<min(attempt, 5), 5*time.Second)
	return d/2 + rand.N(d/2)
}

// waitForBroker opens the external broker, retrying for as long as it is
// unreachable (and ctx lasts), and says so in the log: hubwire without a
// spool has nowhere to keep a delivery until the broker is there.
func (b *Broker) waitForBroker(ctx context.Context, dataDir string, maxBody int64, log *slog.Logger) (*broker, error) {
	for attempt := 0; ; attempt++ {
		br, err := b.open(ctx, dataDir, maxBody, log)
		if err == nil || !unreachable(err) {
			if err == nil && attempt > 0 {
				log.Info("broker reachable; starting", "broker", b.brokerName())
			}
			return br, err
		}
		if attempt == 0 || attempt%12 == 0 {
			log.Warn("waiting for the broker: hubwire starts taking deliveries once it is reachable (there is no spool to keep them meanwhile: --spool-max-bytes 0); retrying",
				"broker", b.brokerName(), "error", err)
		}
		t := time.NewTimer(retryWait(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("gave up waiting for the broker (%s): %w", b.brokerName(), err)
		case <-t.C:
		}
	}
}

// lateSink stands in for an external broker that was unreachable when
// hubwire started with a spool: until connect succeeds (it retries in the
// background, checking the streams or topics then), every publish fails
// at once, so that the store spools the delivery, and Ready says why.
type lateSink struct {
	dest    sinks.Receipt
	sink    atomic.Pointer[sinks.Sink]
	lastErr atomic.Pointer[string]
	cancel  context.CancelFunc
	done    sync.WaitGroup
}

var _ sinks.Sink = (*lateSink)(nil)

// errNotConnected is a publish before the broker was ever reached.
var errNotConnected = errors.New("the broker has not been reachable since hubwire started")

// startLateSink retries connect until it succeeds (then ready runs with
// the broker it opened, and the sink is used from then on) or Close.
func startLateSink(dest sinks.Receipt, firstErr error, connect func(ctx context.Context) (*broker, error), ready func(*broker), log *slog.Logger) *lateSink {
	s := &lateSink{dest: dest}
	msg := firstErr.Error()
	s.lastErr.Store(&msg)
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		for attempt := 0; ; attempt++ {
			t := time.NewTimer(retryWait(attempt))
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			br, err := connect(ctx)
			if err != nil {
				msg := err.Error()
				s.lastErr.Store(&msg)
				if ctx.Err() != nil {
					return
				}
				if !unreachable(err) || attempt%12 == 0 {
					log.Warn("broker still not usable; deliveries are spooled; retrying", "error", err)
				}
				continue
			}
			ready(br)
			s.sink.Store(&br.sink)
			log.Info("broker reachable and its streams checked; forwarding the spool")
			return
		}
	}()
	return s
}

// Publish implements sinks.Sink.
func (s *lateSink) Publish(ctx context.Context, addr sinks.Address, e *event.Event) (sinks.Receipt, error) {
	if sk := s.sink.Load(); sk != nil {
		return (*sk).Publish(ctx, addr, e)
	}
	return sinks.Receipt{}, fmt.Errorf("%w (%s)", errNotConnected, *s.lastErr.Load())
}

// Destination implements sinks.Sink: known from the configuration.
func (s *lateSink) Destination() sinks.Receipt { return s.dest }

// Ready implements sinks.Sink.
func (s *lateSink) Ready(ctx context.Context) error {
	if sk := s.sink.Load(); sk != nil {
		return (*sk).Ready(ctx)
	}
	return fmt.Errorf("%w (%s)", errNotConnected, *s.lastErr.Load())
}

// Close implements sinks.Sink: it stops connecting, and closes the broker
// if it was reached.
func (s *lateSink) Close() error {
	s.cancel()
	s.done.Wait()
	if sk := s.sink.Load(); sk != nil {
		return (*sk).Close()
	}
	return nil
}

// lateReplier stands in for the reply subscriber until the broker it
// lives on is reached.
type lateReplier struct {
	mu      sync.Mutex
	stopped bool
	r       atomic.Pointer[replier]
}

// set installs the reply subscriber; one that comes after Stop (the
// broker reached while hubwire stops) is stopped at once.
func (l *lateReplier) set(r replier) {
	if r == nil {
		r = repliesOff{} // Kafka without the acks topics
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		r.Stop()
		return
	}
	l.r.Store(&r)
}

// repliesOff is the reply subscriber where acks and callbacks are off.
type repliesOff struct{}

func (repliesOff) Received(context.Context, sinks.Entry, sinks.Receipt) error { return nil }
func (repliesOff) Stop()                                                      {}
func (repliesOff) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprintln(w, `{"error":"acks and callbacks are off (see the log), so there are no delivery records"}`)
}

// Received implements store.Recorder. The spool records an event when it
// forwards it, and it forwards only once the broker (and so this) is there.
func (l *lateReplier) Received(ctx context.Context, e sinks.Entry, where sinks.Receipt) error {
	if r := l.r.Load(); r != nil {
		return (*r).Received(ctx, e, where)
	}
	return errNotConnected
}

// ServeHTTP serves /api/ once the records can be read.
func (l *lateReplier) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if r := l.r.Load(); r != nil {
		(*r).ServeHTTP(w, req)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After", "5")
	w.WriteHeader(http.StatusServiceUnavailable)
	fmt.Fprintln(w, `{"error":"the delivery records are kept in the broker, which has not been reachable since hubwire started; deliveries are spooled meanwhile"}`)
}

// Stop implements replier.
func (l *lateReplier) Stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
	if r := l.r.Load(); r != nil {
		(*r).Stop()
	}
}
