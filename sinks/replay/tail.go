package replay

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// TailOptions say what Tail follows, and how it prints.
type TailOptions struct {
	Broker Broker
	// Selection's Since first prints the events stored since then.
	Selection Selection
	// JSON prints each event as structured-mode JSON, one per line;
	// otherwise a line for people: the event's time, type, subject and id.
	JSON bool
	// Out takes the events; Log the messages.
	Out, Log io.Writer
}

// Tail prints the events opts select as they are stored, until ctx ends
// (nil) or reading fails. Once it follows the stream it says so on Log, in
// a line that begins "hubwire: tailing ".
func Tail(ctx context.Context, opts TailOptions) error {
	opts.Out, opts.Log = orDiscard(opts.Out), orDiscard(opts.Log)
	logf := func(format string, args ...any) { fmt.Fprintf(opts.Log, "hubwire: "+format+"\n", args...) }
	reader, err := open(ctx, opts.Broker, &opts.Selection, true, logf)
	if err != nil {
		return err
	}
	defer reader.close()
	var out output = &eventLines{w: bufio.NewWriter(opts.Out)}
	if opts.JSON {
		out = newJSONLines(opts.Out, true)
	}
	logf("tailing %s (Ctrl-C to stop)", opts.Broker.where())
	err = reader.read(ctx, func(rec record) error {
		if !opts.Selection.matches(rec) {
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

// orDiscard is w, or io.Discard for none.
func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
