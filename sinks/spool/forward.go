package spool

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/hubwire/hubwire/sinks"
)

// forward drains the spool to the primary, one entry at a time in store
// order, each removed only after the primary (and Forwarded) took it. It
// runs until Close.
func (s *Spool) forward() {
	defer s.done.Done()
	next := s.next
	for {
		select {
		case <-s.stop:
			return
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		raw, err := s.stream.GetMsg(ctx, next, jetstream.WithGetMsgSubject(subject))
		cancel()
		switch {
		case errors.Is(err, jetstream.ErrMsgNotFound):
			// Nothing waits; look again soon. Put does not wake the
			// forwarder: a short poll keeps the two independent.
			if !s.sleep(50 * time.Millisecond) {
				return
			}
			continue
		case err != nil:
			s.cfg.Logger.Warn("reading the spool", "error", err)
			if !s.sleep(time.Second) {
				return
			}
			continue
		}
		var e sinks.Entry
		if err := json.Unmarshal(raw.Data, &e); err != nil || e.Event == nil {
			s.cfg.Logger.Error("dropping an unreadable spool entry", "seq", raw.Sequence, "error", err)
		} else if !s.deliver(e) {
			return
		}
		// Remembered before the removal, which a full disk refuses.
		if err := s.mark.set(raw.Sequence); err != nil {
			s.cfg.Logger.Error("remembering a forwarded event", "seq", raw.Sequence, "error", err)
		}
		ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
		if err := s.stream.DeleteMsg(ctx, raw.Sequence); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			// The mark keeps it from being forwarded again after a
			// restart; the next start removes it.
			s.cfg.Logger.Warn("removing a forwarded event from the spool", "seq", raw.Sequence, "error", err)
		}
		cancel()
		s.pending.Add(-1)
		s.forwarded.Add(1)
		next = raw.Sequence + 1
	}
}

// deliver hands e to the primary and to Forwarded, retrying with backoff
// until both succeed. It returns false when Close interrupted it.
func (s *Spool) deliver(e sinks.Entry) bool {
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(s.ctx, s.cfg.ForwardTimeout)
		r, err := s.cfg.Primary.Publish(ctx, e.Address, e.Event)
		if err == nil && s.cfg.Forwarded != nil {
			err = s.cfg.Forwarded(ctx, e, r)
		}
		cancel()
		switch {
		case err == nil:
			if attempt > 0 {
				s.cfg.Logger.Info("broker takes events again; forwarding the spool", "event_id", e.Event.ID())
			}
			return true
		case errors.Is(err, sinks.ErrTooLarge):
			// Only if the broker's limit shrank since the event was
			// spooled; no retry can help.
			s.cfg.Logger.Error("dropping a spooled event the broker refuses as too large", "event_id", e.Event.ID(), "error", err)
			return true
		case attempt == 0 || attempt%20 == 0:
			s.cfg.Logger.Warn("broker does not take spooled events yet; retrying", "event_id", e.Event.ID(), "attempt", attempt+1, "error", err)
		}
		if !s.sleep(backoff(attempt)) {
			return false
		}
	}
}

// backoff grows from 100 ms to 5 s, with jitter so that replicas coming
// back together do not retry in step.
func backoff(attempt int) time.Duration {
	d := 100 * time.Millisecond << min(attempt, 6)
	d = min(d, 5*time.Second)
	return d/2 + rand.N(d/2)
}

// sleep waits d, or returns false at once when the spool is closing.
func (s *Spool) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.stop:
		return false
	case <-t.C:
		return true
	}
}
