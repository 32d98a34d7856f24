package main

import (
	"context"
	"fmt"
	"io"

	"github.com/hubwire/hubwire/internal/cli"
	"github.com/hubwire/hubwire/sinks/replay"
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

// replayArgs is what replay's flags say.
type replayArgs struct {
	b    brokerClient
	sel  selection
	to   string
	opts replay.Options
	// minEvents is the fewest events a replay must write to succeed.
	minEvents int64
}

func (x *replayArgs) flags(out io.Writer) *cli.Flags {
	opts := &x.opts
	f := cli.New("replay", replaySummary)
	f.SetOutput(out)
	x.b.register(f)
	f.Group("Which events")
	x.sel.register(f, true)
	f.Group("Where to")
	f.StringVar(&x.to, "to", "-", "`destination` of the events: - (JSON lines), http(s)://…, nats:<subject>\nor kafka:<topic>")
	f.BoolVar(&opts.Force, "force", false, "re-publish even into the stream (or topic) read, which then stores every\nevent replayed a second time")
	f.Float64Var(&opts.Rate, "rate", 0, "at most this many `events/s` on average (0: as fast as the output takes\nthem)")
	f.DurationVar(&opts.HTTPTimeout, "http-timeout", replay.DefaultHTTPTimeout, "time limit of one POST to an http(s) --to (`duration`); a POST that\ntakes longer is retried")
	f.Int64Var(&x.minEvents, "min-events", 0, "exit 1 unless at least this many events were replayed (`count`), for checks\nthat an event arrived, such as the Helm chart's test; 0 for no check")
	return f
}

func replayCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var x replayArgs
	f := x.flags(stderr)
	b, sel, opts := &x.b, &x.sel, &x.opts
	opts.Out, opts.Log = stdout, stderr
	var err error
	if opts.Selection, err = parseSelection(f, args, getenv, b, sel); err != nil {
		return err
	}
	if opts.To, err = replay.ParseDestination(x.to, b.kind); err != nil {
		return err
	}
	if opts.Rate < 0 {
		return fmt.Errorf("--rate %v: want events per second, or 0 for no limit", opts.Rate)
	}
	if opts.HTTPTimeout <= 0 {
		return fmt.Errorf("--http-timeout %v: want a positive duration, such as 30s", opts.HTTPTimeout)
	}
	if opts.Broker, err = b.broker(); err != nil {
		return err
	}
	if x.minEvents < 0 {
		return fmt.Errorf("--min-events %d: want a count, or 0 for no check", x.minEvents)
	}
	summary, err := replay.Run(ctx, *opts)
	if err == nil && summary.Written < x.minEvents {
		err = fmt.Errorf("replayed %d of the %d events --min-events asks for", summary.Written, x.minEvents)
	}
	return b.login.hint(err)
}
