package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

const replaySummary = `Read events back from the broker and write them out: the stream's (or
topic's) own history, from --since, --from-seq (NATS) or --offset (Kafka) to
--until or to the end of the stream as it was when replay started.

  hubwire replay --since 2h > events.jsonl
  hubwire replay --since 2026-11-01T00:00:00Z --type 'com.docker.dtr.scan.*' --repo 'acme/*'
  hubwire replay --since 7d --to http://new-service:8000/events --rate 200
  hubwire replay --from-seq 1200 --to nats:replay.events

--to is - (one structured CloudEvent as JSON per line on standard output),
an http(s):// URL (each event POSTed in the CloudEvents HTTP binding, binary
mode, in order: an event is retried with backoff until the receiver answers
2xx; a 4xx other than 408 and 429 ends the replay, naming the event and how
to resume), nats:<subject> or kafka:<topic> (re-published to the broker
replay reads). A progress bar shows on a terminal; a summary ends the run.`

func replayCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var b brokerClient
	var sel selection
	var to string
	var perSec float64
	var h httpSettings
	f := newFlags("replay", replaySummary)
	f.SetOutput(stderr)
	b.register(f)
	sel.register(f, true)
	f.StringVar(&to, "to", "-", "`destination` of the events: - (JSON lines), http(s)://…, nats:<subject>\nor kafka:<topic>")
	f.Float64Var(&perSec, "rate", 0, "at most this many `events/s` on average (0: as fast as the output takes\nthem)")
	f.DurationVar(&h.timeout, "http-timeout", 30*time.Second, "time limit of one POST to an http(s) --to (`duration`); a POST that\ntakes longer is retried")
	if err := parseSelection(f, args, getenv, &b, &sel); err != nil {
		return err
	}
	dest, err := parseTo(to, b.kind)
	if err != nil {
		return err
	}
	if perSec < 0 {
		return fmt.Errorf("--rate %v: want events per second, or 0 for no limit", perSec)
	}
	if h.timeout <= 0 {
		return fmt.Errorf("--http-timeout %v: want a positive duration, such as 30s", h.timeout)
	}

	prog := newProgress(stderr)
	reader, err := b.open(ctx, &sel, false, prog.logf)
	if err != nil {
		return err
	}
	defer reader.close()
	out, err := dest.open(ctx, stdout, reader, h, prog.logf)
	if err != nil {
		return err
	}
	prog.begin(reader.pending)
	r := replayer{reader: reader, out: out, sel: &sel, prog: prog}
	if perSec > 0 {
		// A burst of a tenth of a second's worth keeps the average rate
		// even where timers are coarse.
		r.limit = rate.NewLimiter(rate.Limit(perSec), max(1, int(perSec/10)))
	}
	err = r.run(ctx)
	prog.stop()
	fmt.Fprintln(stderr, r.summary(dest, time.Since(prog.start)))
	if err == nil && ctx.Err() != nil {
		err = r.interrupted()
	}
	return err
}

// finishTimeout bounds the wait for the output to take what was written.
const finishTimeout = 30 * time.Second

// replayer copies the events the reader reads, and the selection takes, to
// the output.
type replayer struct {
	reader *eventReader
	out    output
	sel    *selection
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
		err = nil // interrupted: said by the caller
	}
	return err
}

// summary is the line that ends a replay.
func (r *replayer) summary(dest destination, took time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "hubwire: replayed %s in %v (%s events/s) to %s", plural(r.written, "event"), took.Round(time.Millisecond), perSecond(r.written, took.Seconds()), dest)
	if r.skipped > 0 {
		fmt.Fprintf(&b, "; %d more read did not match --type/--repo", r.skipped)
	}
	if n := r.reader.undecodable.Load(); n > 0 {
		fmt.Fprintf(&b, "; skipped %s that were not CloudEvents", plural(n, "message"))
	}
	return b.String()
}

func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// interrupted says where to pick up a replay that was stopped.
func (r *replayer) interrupted() error {
	if r.last == nil {
		return errors.New("replay interrupted before any event was written")
	}
	return fmt.Errorf("replay interrupted; to go on from there, run it again with %s", r.reader.resumeAt(*r.last, true))
}
