package main

import (
	"context"
	"io"

	"github.com/hubwire/hubwire/internal/cli"
	"github.com/hubwire/hubwire/sinks/replay"
)

const tailSummary = `Follow new events as hubwire stores them, one line each (the event's time,
type, subject and id), or one structured CloudEvent as JSON per line with
--json, until interrupted.

  hubwire tail
  hubwire tail --type 'com.docker.dtr.scan.*' --repo 'acme/*'
  hubwire tail --since 10m --json | jq .data.scan
  hubwire tail --broker kafka://127.0.0.1:9092

--type and --repo select as for hubwire replay; --since first prints the
events stored since then.`

// tailArgs is what tail's flags say.
type tailArgs struct {
	b    brokerClient
	sel  selection
	opts replay.TailOptions
}

func (x *tailArgs) flags(out io.Writer) *cli.Flags {
	f := cli.New("tail", tailSummary)
	f.SetOutput(out)
	x.b.register(f)
	f.Group("Which events, and how")
	x.sel.register(f, false)
	f.BoolVar(&x.opts.JSON, "json", false, "print each event as structured-mode JSON, one per line")
	return f
}

func tailCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var x tailArgs
	f := x.flags(stderr)
	opts := &x.opts
	opts.Out, opts.Log = stdout, stderr
	var err error
	if opts.Selection, err = parseSelection(f, args, getenv, &x.b, &x.sel); err != nil {
		return err
	}
	if opts.Broker, err = x.b.broker(); err != nil {
		return err
	}
	return x.b.login.hint(replay.Tail(ctx, *opts))
}
