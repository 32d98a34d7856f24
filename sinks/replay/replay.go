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
	"maps"
	"net/http"
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

	// IDs, when set, keeps only the events of these ids, each written
	// once (the first the broker stored): an explicit set, such as the
	// console's filter selects. Run ends once each of them was written.
	IDs map[string]bool
	// Written, when set, is called with each event's id once it is
	// written (into a stream: handed to it, its acknowledgement checked
	// with the next ones and at the end).
	Written func(id string)
	// Stop, when closed, ends Run between two events: unlike ctx, which
	// abandons the event being written, it lets that one finish (an HTTP
	// POST in flight gets its answer, and is not retried). The Summary
	// then says Stopped.
	Stop <-chan struct{}
	// HTTPClient, when set, makes the POSTs to an HTTP destination (one
	// that dials only the addresses allowed); Run sets its Timeout to
	// HTTPTimeout on a copy.
	HTTPClient *http.Client
	// Protected names streams (NATS) or topics (Kafka) never written to,
	// Force or not: hubwire's own.
	Protected []string
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
	// Stopped says that Options.Stop ended the replay.
	Stopped bool
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
	if err == nil {
		if h, ok := out.(*httpOutput); ok {
			h.stop = opts.Stop
			if opts.HTTPClient != nil {
				c := *opts.HTTPClient
				c.Timeout = opts.HTTPTimeout
				h.client = &c
			}
		}
		err = protected(opts.To, out, opts.Protected)
	}
	if err == nil && !opts.Force {
		err = intoSource(opts.To, opts.Broker, out)
	}
	if err != nil {
		if out != nil {
			out.finish(ctx)
		}
		return Summary{}, err
	}
	prog.begin(reader.pending)
	r := replayer{reader: reader, out: out, sel: &opts.Selection, prog: prog, written: opts.Written, stop: opts.Stop}
	if opts.IDs != nil {
		r.remaining = maps.Clone(opts.IDs)
	}
	if opts.Rate > 0 {
		// A burst of a tenth of a second's worth keeps the average rate
		// even where timers are coarse.
		r.limit = rate.NewLimiter(rate.Limit(opts.Rate), max(1, int(opts.Rate/10)))
	}
	err = r.run(ctx)
	prog.stop()
	sum := Summary{To: opts.To, Written: r.count, Unmatched: r.skipped, Undecodable: reader.undecodable.Load(), Took: time.Since(prog.start), Stopped: r.stopped}
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
	// remaining are the ids of Options.IDs not yet written; nil selects
	// every event.
	remaining map[string]bool
	written   func(id string)
	stop      <-chan struct{}

	count, skipped int64
	last           *record // the last event written
	stopped        bool
}

// errSetWritten ends the read once every id of the set was written.
var errSetWritten = errors.New("every event of the set written")

func (r *replayer) run(ctx context.Context) error {
	// Stop ends the reading (and a rate limit's wait), not the write in
	// progress, which goes on under ctx.
	readCtx, cancelRead := context.WithCancel(ctx)
	defer cancelRead()
	if r.stop != nil {
		go func() {
			select {
			case <-r.stop:
				cancelRead()
			case <-readCtx.Done():
			}
		}()
	}
	err := r.reader.read(readCtx, func(rec record) error {
		r.prog.read.Add(1)
		if !r.sel.matches(rec) {
			r.skipped++
			return nil
		}
		var id string
		if r.remaining != nil {
			if id = rec.msg.Attribute("id"); !r.remaining[id] {
				r.skipped++
				return nil
			}
		}
		if r.limit != nil {
			if err := r.limit.Wait(readCtx); err != nil {
				return err
			}
		}
		if readCtx.Err() != nil {
			return readCtx.Err() // stopped while waiting: not written
		}
		if err := r.out.write(ctx, rec); errors.Is(err, errNotAnEvent) {
			r.reader.skip(rec, err)
			return nil
		} else if err != nil {
			return err
		}
		r.count++
		r.last = &rec
		if r.written != nil {
			if id == "" {
				id = rec.msg.Attribute("id")
			}
			r.written(id)
		}
		if r.remaining != nil {
			delete(r.remaining, id)
			if len(r.remaining) == 0 {
				return errSetWritten
			}
		}
		return nil
	})
	if errors.Is(err, errSetWritten) {
		err = nil
	}
	if ctx.Err() == nil && (errors.Is(err, errStopped) || readCtx.Err() != nil && (err == nil || errors.Is(err, context.Canceled))) {
		r.stopped, err = true, nil
	}
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
