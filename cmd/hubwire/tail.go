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

func tailCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var b brokerClient
	var sel selection
	opts := replay.TailOptions{Out: stdout, Log: stderr}
	f := cli.New("tail", tailSummary)
	f.SetOutput(stderr)
	b.register(f)
	sel.register(f, false)
	f.BoolVar(&opts.JSON, "json", false, "print each event as structured-mode JSON, one per line")
	var err error
	if opts.Selection, err = parseSelection(f, args, getenv, &b, &sel); err != nil {
		return err
	}
	if opts.Broker, err = b.broker(); err != nil {
		return err
	}
	return b.login.hint(replay.Tail(ctx, opts))
}
