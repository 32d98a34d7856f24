package reply

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Records is where a broker keeps the delivery records, as the callback
// engine changes them. It is all the engine needs of a broker: NATS
// implements it with the key-value bucket's compare-and-set, Kafka with
// the partition owner's map, written through to the deliveries topic by
// the owner, the only writer.
type Records interface {
	// Update applies change to the record of id as one write: no other
	// write to the record comes between what change is given and what it
	// makes. change reports whether it changed anything; nothing is
	// written otherwise. It may be called more than once (a
	// compare-and-set that lost is retried on the record as it then is),
	// so it sets what it sets each time. Update returns the record as it
	// stands after the call; an id with no record is ErrNoRecord.
	Update(ctx context.Context, id string, change func(*Record) bool) (Record, error)
}

// Engine posts decided callbacks, once per event, over Records. It is the
// one callback flow both brokers run: claim the callback (or refuse it,
// if its host is not allowed), post it with each attempt recorded,
// record the outcome, or hand it back when stopped before an answer.
type Engine struct {
	// Records is the broker's store of the records.
	Records Records
	// Poster posts, only to allowed hosts.
	Poster *Poster
	// Metrics counts the callbacks and the record writes that failed;
	// nil counts nothing.
	Metrics *Metrics
	// Logger gets the callbacks' progress; slog.Default when nil.
	Logger *slog.Logger
	// Lease is how long a claim holds without word from its holder before
	// another replica may take the callback over; the engine renews it
	// four times a lease while it posts. Zero means Records has one writer
	// at a time (Kafka's partition owner): a callback found posting was
	// left so by a predecessor and is taken over at once.
	Lease time.Duration
	// Clock is time.Now unless set (tests).
	Clock func() time.Time
}

// Result says what became of a callback the engine was asked to post.
type Result struct {
	// Outcome is OutcomeSent, OutcomeFailed or OutcomeRefused when this
	// call finished the callback; OutcomePosting when another replica
	// holds it (look again after Again, when its lease runs out);
	// OutcomeInterrupted when ctx ended before an answer and the callback
	// was handed back (or never claimed); empty when there was nothing to
	// post: no record, no decision yet, or a callback already finished.
	Outcome string
	// Again is when to look again at a callback another replica holds.
	Again time.Duration
}

// writeTimeout bounds one record write. finalWrites is how long the
// writes of a callback being posted (its attempts, its outcome or its
// hand-back) go on after the attempt in flight at a stop or rebalance has
// ended, which may take the Poster's Timeout: on Kafka the rebalance waits
// for both, and its timeout leaves room for them.
const writeTimeout = 10 * time.Second

var finalWrites = 10 * time.Second // a variable for the test that shortens it

// Callback posts the decided callback of id unless it was posted,
// refused, or is being posted by another. ctx ends the retries (a stop,
// a rebalance): an attempt in flight still finishes and its answer is
// recorded, and a callback still to be retried is handed back. alive,
// when not nil, is called with each renewal of the lease (NATS keeps the
// work message alive with it).
//
// An error means the callback could not be claimed or its outcome not
// recorded; the caller tries again later (the claim, recorded or not,
// keeps it from being posted twice until the lease runs out).
func (e *Engine) Callback(ctx context.Context, id string, alive func()) (Result, error) {
	if ctx.Err() != nil {
		return Result{Outcome: OutcomeInterrupted}, nil
	}
	log := e.logger().With("event_id", id)
	now := e.now()
	var claimed bool
	var refusal error
	// Not cut short by a stop: a claim stored but reported failed would
	// hold the callback for a lease.
	rec, err := e.write(context.WithoutCancel(ctx), id, func(r *Record) bool {
		claimed, refusal = false, nil
		switch {
		case r.Decision == nil:
			return false
		case r.Callback.Outcome == OutcomeQueued,
			r.Callback.Outcome == OutcomePosting && (e.Lease == 0 || now.Sub(r.Callback.ClaimedAt) > e.Lease):
		default:
			return false
		}
		// Refused in the claim itself: a callback_url off the allowlist
		// is never contacted, and one write records why.
		if refusal = e.Poster.Allowed(r.CallbackURL); refusal != nil {
			r.Callback.Outcome, r.Callback.Note = OutcomeRefused, refusal.Error()
			return true
		}
		r.Callback.Outcome, r.Callback.ClaimedAt = OutcomePosting, now
		claimed = true
		return true
	})
	if errors.Is(err, ErrNoRecord) {
		return Result{}, nil
	}
	if err != nil {
		e.writeFailed(log, OpClaim, err, "callback not claimed")
		return Result{}, err
	}
	if refusal != nil {
		log.Warn("callback refused", "reason", refusal)
		e.Metrics.Callback(OutcomeRefused)
		return Result{Outcome: OutcomeRefused}, nil
	}
	if !claimed {
		if rec.Callback.Outcome == OutcomePosting {
			// Another replica holds it: look again when its lease runs
			// out, in case that replica died.
			return Result{Outcome: OutcomePosting, Again: e.Lease - now.Sub(rec.Callback.ClaimedAt) + time.Second}, nil
		}
		return Result{}, nil
	}

	// The writes from here on outlive ctx, which ends the posting: an
	// attempt in flight finishes (within the Poster's Timeout), and then
	// its answer is recorded (within finalWrites). On Kafka the rebalance
	// waits for them.
	late, endLate := afterEnd(ctx, e.Poster.Timeout+finalWrites)
	defer endLate()
	postCtx, stop := context.WithCancel(ctx)
	defer stop()
	if e.Lease > 0 {
		renewed := make(chan struct{})
		defer func() { stop(); <-renewed }()
		go func() {
			defer close(renewed)
			e.renew(postCtx, log, id, alive)
		}()
	}
	d := rec.Decision
	var last Attempt
	attempts := 0
	outcome := e.Poster.Post(postCtx, rec.CallbackURL, CallbackBody{State: d.State, Description: d.Description, Context: d.Context, TargetURL: d.TargetURL},
		func(a Attempt) {
			last, attempts = a, attempts+1
			log.Info("callback attempt", "status", a.Status, "error", a.Error, "duration", a.Duration)
			if _, err := e.write(late, id, func(r *Record) bool {
				r.Callback.Attempts = append(r.Callback.Attempts, a)
				r.Callback.ClaimedAt = e.now()
				return true
			}); err != nil {
				// The POST happened; only its line in the record is lost.
				e.writeFailed(log, OpAttempt, err, "callback attempt not recorded")
			}
		})
	if outcome == OutcomeInterrupted {
		// Stopping: hand the callback back rather than call it failed.
		// Only a claim still ours is handed back: one that lapsed may
		// have been taken over, and finished, by another replica.
		if _, err := e.finish(late, log, OpHandBack, id, func(r *Record) bool {
			if r.Callback.Outcome != OutcomePosting {
				return false
			}
			r.Callback.Outcome, r.Callback.ClaimedAt = OutcomeQueued, time.Time{}
			return true
		}); err != nil {
			// The claim lapses after its lease; then another takes it.
			log.Error("callback not handed back", "error", err)
		} else {
			log.Info("callback handed back on stop")
		}
		return Result{Outcome: OutcomeInterrupted}, nil
	}
	// Recorded even when ctx ended (a stop, a rebalance): whoever comes
	// next must not post a callback that was answered.
	_, err = e.finish(late, log, OpOutcome, id, func(r *Record) bool {
		r.Callback.Outcome = outcome
		return true
	})
	e.Metrics.Callback(outcome)
	if err != nil {
		// Whoever takes the callback over after the lease (on Kafka, the
		// partition's next owner) posts it again: the one case of two
		// POSTs, and only when the store is gone for that long.
		log.Error("callback outcome not recorded", "outcome", outcome, "error", err)
		return Result{Outcome: outcome}, err
	}
	if outcome == OutcomeFailed {
		// The registry never learns the result: an operator should.
		log.Warn("callback failed", "outcome", outcome, "attempts", attempts, "status", last.Status, "error", last.Error)
	} else {
		log.Info("callback done", "outcome", outcome)
	}
	return Result{Outcome: outcome}, nil
}

// renew keeps the claim alive while the attempts and their backoff run.
func (e *Engine) renew(ctx context.Context, log *slog.Logger, id string, alive func()) {
	t := time.NewTicker(e.Lease / 4)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
		if alive != nil {
			alive()
		}
		rctx, cancel := context.WithTimeout(ctx, writeTimeout)
		_, err := e.Records.Update(rctx, id, func(r *Record) bool {
			r.Callback.ClaimedAt = e.now()
			return true
		})
		cancel()
		// A renewal cut short because the posting ended is no failure.
		if err != nil && ctx.Err() == nil {
			e.writeFailed(log, OpLease, err, "callback lease not renewed")
		}
	}
}

// write is one record write, bounded by writeTimeout.
func (e *Engine) write(ctx context.Context, id string, change func(*Record) bool) (Record, error) {
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	return e.Records.Update(wctx, id, change)
}

// finish is a write that finishes a callback: it is retried, each
// failure logged and counted, until late ends (the attempt in flight and finalWrites after the
// posting's ctx), since a callback whose outcome is lost would be posted
// again after its lease. change must set what it sets, so that doing it
// again after a write that was stored but reported failed does no harm.
func (e *Engine) finish(late context.Context, log *slog.Logger, op, id string, change func(*Record) bool) (Record, error) {
	wait := 500 * time.Millisecond
	for {
		rec, err := e.write(late, id, change)
		if err == nil || errors.Is(err, ErrNoRecord) {
			return rec, err
		}
		e.writeFailed(log, op, err, "record write failed; retrying")
		select {
		case <-time.After(wait):
			wait = min(2*wait, 5*time.Second)
		case <-late.Done():
			return rec, err
		}
	}
}

// afterEnd is a context that ends grace after ctx does (or when its
// cancel is called).
func afterEnd(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	late, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(grace, cancel)
		context.AfterFunc(late, func() { t.Stop() })
	})
	return late, func() { stop(); cancel() }
}

// writeFailed logs and counts a record write that failed: never dropped
// silently. log names the event; the error is the broker's and holds
// neither the record nor its callback URL.
func (e *Engine) writeFailed(log *slog.Logger, op string, err error, msg string) {
	log.Error(msg, "operation", op, "error", err)
	e.Metrics.RecordWriteError(op)
}

func (e *Engine) now() time.Time {
	if e.Clock != nil {
		return e.Clock()
	}
	return time.Now()
}

func (e *Engine) logger() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.Default()
}
