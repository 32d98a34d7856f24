package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"
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
	var asJSON bool
	f := newFlags("tail", tailSummary)
	f.SetOutput(stderr)
	b.register(f)
	sel.register(f, false)
	f.BoolVar(&asJSON, "json", false, "print each event as structured-mode JSON, one per line")
	if err := parseSelection(f, args, getenv, &b, &sel); err != nil {
		return err
	}
	logf := func(format string, args ...any) { fmt.Fprintf(stderr, "hubwire: "+format+"\n", args...) }
	reader, err := b.open(ctx, &sel, true, logf)
	if err != nil {
		return err
	}
	defer reader.close()
	var out output = &eventLines{w: bufio.NewWriter(stdout)}
	if asJSON {
		out = newJSONLines(stdout, true)
	}
	logf("tailing %s (Ctrl-C to stop)", b.where())
	err = reader.read(ctx, func(rec record) error {
		if !sel.matches(rec) {
			return nil
		}
		if err := out.write(ctx, rec); errors.Is(err, errNotAnEvent) {
			reader.skip(rec, err)
		} else if err != nil {
			return err
		}
		return nil
	})
	if ferr := out.finish(ctx); err == nil {
		err = ferr
	}
	return err
}

// eventLines writes one line per event, for people: its time (when it
// happened at the registry, or else when it was stored), type, subject
// and id.
type eventLines struct{ w *bufio.Writer }

func (l *eventLines) write(ctx context.Context, rec record) error {
	e, err := rec.event(ctx)
	if err != nil {
		return err
	}
	t := e.Time()
	if t.IsZero() {
		t = rec.stored
	}
	subject := e.Subject()
	if subject == "" {
		subject = "-"
	}
	fmt.Fprintf(l.w, "%s  %-30s  %-32s  %s\n", t.UTC().Format(time.RFC3339), e.Type(), subject, e.ID())
	return l.w.Flush()
}

func (l *eventLines) finish(context.Context) error { return l.w.Flush() }
