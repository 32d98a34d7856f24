// Package replay reads hubwire's events back from the broker that stores
// them, NATS JetStream or Kafka: Run copies a stored range to JSON lines,
// an HTTP receiver, or a subject or topic of the same broker; Tail follows
// new events as they are stored.
//
// It knows no registry. Which CloudEvent types exist, and under which
// source and kind each is stored, is the caller's to say (Types), so that a
// selection by type can become a NATS subject filter.
//
// Messages for the user name the hubwire replay flags that would change
// the outcome (--from-seq, --since, --type, --repo): they are read at the
// command line, where those are the words that help.
package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Options say what Run reads, and where it writes.
type Options struct {
	Broker    Broker
	Selection Selection
	// To is where the events go; the zero value is JSON lines on Out.
	To Destination
	// Rate, when positive, caps the average events per second.
	Rate float64
	// Force lets a nats: or kafka: destination be the stream (or topic)
	// read, which then stores every event replayed a second time; without
	// it, that is refused.
	Force bool
	// HTTPTimeout bounds one POST to an HTTP destination (a POST that
	// takes longer is retried); 0 is DefaultHTTPTimeout.
	HTTPTimeout time.Duration
	// Out takes the JSON lines.
	Out io.Writer
	// Log takes the progress (a bar when it is a terminal), the warnings
	// and the summary line.
	Log io.Writer
}

// DefaultHTTPTimeout is Options.HTTPTimeout when none is given: long enough
// for a receiver that does real work per event.
const DefaultHTTPTimeout = 30 * time.Second

// Summary is what a Run did.
type Summary struct {
	To Destination
	// Written counts the events written to To.
	Written int64
	// Unmatched counts the events read that the selection's types or
	// repositories left out (those no subject filter could).
	Unmatched int64
	// Undecodable counts the messages skipped as not CloudEvents.
	Undecodable int64
	// Took is from the first read to the end of writing.
	Took time.Duration
}

// String is the line that ends a replay.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hubwire: replayed %s in %v (%s events/s) to %s", plural(s.Written, "event"), s.Took.Round(time.Millisecond), perSecond(s.Written, s.Took.Seconds()), s.To)
	if s.Unmatched > 0 {
		fmt.Fprintf(&b, "; %d more read did not match --type/--repo", s.Unmatched)
	}
	if s.Undecodable > 0 {
		fmt.Fprintf(&b, "; skipped %s that were not CloudEvents", plural(s.Undecodable, "message"))
	}
	return b.String()
}

func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Run copies the events opts select to opts.To, from where the selection
// starts to its Until or to the end of the stream (or topic) as it was when
// Run started. Once reading began, it writes the summary line to opts.Log
// whatever the outcome, and returns it. Ended by ctx, it returns an error
// that says how to resume.
func Run(ctx context.Context, opts Options) (Summary, error) {
	if opts.HTTPTimeout <= 0 {
		opts.HTTPTimeout = DefaultHTTPTimeout
	}
	opts.Out = orDiscard(opts.Out)
	prog := newProgress(opts.Log)
	reader, err := open(ctx, opts.Broker, &opts.Selection, false, prog.logf)
	if err != nil {
		return Summary{}, err
	}
	defer reader.close()
	out, err := opts.To.open(ctx, opts.Out, reader, opts.HTTPTimeout, prog.logf)
	if err == nil && !opts.Force {
		err = intoSource(opts.To, opts.Broker, out)
	}
	if err != nil {
		return Summary{}, err
	}
	prog.begin(reader.pending)
	r := replayer{reader: reader, out: out, sel: &opts.Selection, prog: prog}
	if opts.Rate > 0 {
		// A burst of a tenth of a second's worth keeps the average rate
		// even where timers are coarse.
		r.limit = rate.NewLimiter(rate.Limit(opts.Rate), max(1, int(opts.Rate/10)))
	}
	err = r.run(ctx)
	prog.stop()
	sum := Summary{To: opts.To, Written: r.written, Unmatched: r.skipped, Undecodable: reader.undecodable.Load(), Took: time.Since(prog.start)}
	fmt.Fprintln(prog.w, sum)
	if err == nil && ctx.Err() != nil {
		err = r.interrupted()
	}
	return sum, err
}

// finishTimeout bounds the wait for the output to take what was written.
const finishTimeout = 30 * time.Second

// replayer copies the events the reader reads, and the selection takes, to
// the output.
type replayer struct {
	reader *eventReader
	out    output
	sel    *Selection
	prog   *progress
	limit  *rate.Limiter

	written, skipped int64
	last             *record // the last event written
}

func (r *replayer) run(ctx context.Context) error {
	err := r.reader.read(ctx, func(rec record) error {
		r.prog.read.Add(1)
		if !r.sel.matches(rec) {
			r.skipped++
			return nil
		}
		if r.limit != nil {
			if err := r.limit.Wait(ctx); err != nil {
				return err
			}
		}
		if err := r.out.write(ctx, rec); errors.Is(err, errNotAnEvent) {
			r.reader.skip(rec, err)
			return nil
		} else if err != nil {
			return err
		}
		r.written++
		r.last = &rec
		return nil
	})
	// What was written must arrive, even when reading failed or was
	// interrupted; but not wait for a broker that is gone.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	if ferr := r.out.finish(fctx); err == nil {
		err = ferr
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		err = nil // interrupted: Run says where to resume
	}
	return err
}

// interrupted says where to pick up a replay that was stopped.
func (r *replayer) interrupted() error {
	if r.last == nil {
		return errors.New("replay interrupted before any event was written")
	}
	return fmt.Errorf("replay interrupted; to go on from there, run it again with %s", r.reader.resumeAt(*r.last, true))
}
