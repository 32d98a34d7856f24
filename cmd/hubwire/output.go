package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	kafkasink "github.com/hubwire/hubwire/sinks/kafka"
	natssink "github.com/hubwire/hubwire/sinks/nats"
)

// output is where replay (--to) and tail write events.
type output interface {
	write(ctx context.Context, rec record) error
	// finish returns once everything written has arrived, and releases
	// the output; an error of an earlier write may show only here.
	finish(ctx context.Context) error
}

// destination is a checked --to.
type destination struct {
	scheme string // "-", "http", "nats" or "kafka"
	target string // the URL, subject or topic
}

// parseTo checks --to against the broker replay reads from (kind).
func parseTo(to, kind string) (destination, error) {
	const want = "want - (JSON lines on standard output), an http(s):// URL, nats:<subject> or kafka:<topic>"
	switch {
	case to == "-":
		return destination{scheme: "-"}, nil
	case strings.HasPrefix(to, "http://"), strings.HasPrefix(to, "https://"):
		if u, err := url.Parse(to); err != nil || u.Host == "" {
			return destination{}, fmt.Errorf("--to %q: not a URL; %s", to, want)
		}
		return destination{"http", to}, nil
	case strings.HasPrefix(to, "nats:"):
		subject := strings.TrimPrefix(to, "nats:")
		if kind != "nats" {
			return destination{}, fmt.Errorf("--to %s re-publishes to the broker replay reads, which is Kafka: use kafka:<topic>", to)
		}
		if subject == "" || strings.HasPrefix(subject, "//") {
			return destination{}, fmt.Errorf("--to %q: want nats:<subject>, such as nats:replay.events (the broker is --broker's)", to)
		}
		return destination{"nats", subject}, nil
	case strings.HasPrefix(to, "kafka:"):
		topic := strings.TrimPrefix(to, "kafka:")
		if kind != "kafka" {
			return destination{}, fmt.Errorf("--to %s re-publishes to the broker replay reads, which is NATS: use nats:<subject>", to)
		}
		if topic == "" || strings.HasPrefix(topic, "//") {
			return destination{}, fmt.Errorf("--to %q: want kafka:<topic>, such as kafka:hubwire.replayed (the broker is --broker's)", to)
		}
		return destination{"kafka", topic}, nil
	}
	return destination{}, fmt.Errorf("--to %q: %s", to, want)
}

// String names the destination for the summary, without the path of a
// URL, which may hold a token.
func (d destination) String() string {
	switch d.scheme {
	case "-":
		return "standard output"
	case "http":
		return redactPath(d.target)
	}
	return d.scheme + ":" + d.target
}

// jsonLines writes each event as one line of structured-mode JSON. Tail
// flushes every line; replay only at the end, for speed.
type jsonLines struct {
	w         *bufio.Writer
	buf       []byte
	flushEach bool
}

func newJSONLines(w io.Writer, flushEach bool) *jsonLines {
	return &jsonLines{w: bufio.NewWriterSize(w, 256<<10), flushEach: flushEach}
}

func (j *jsonLines) write(_ context.Context, rec record) error {
	var err error
	if j.buf, err = rec.msg.AppendJSON(j.buf[:0]); err != nil {
		return fmt.Errorf("%w: %v", errNotAnEvent, err)
	}
	j.buf = append(j.buf, '\n')
	if _, err := j.w.Write(j.buf); err != nil {
		return fmt.Errorf("writing the events: %w", err)
	}
	if j.flushEach {
		return j.w.Flush()
	}
	return nil
}

func (j *jsonLines) finish(context.Context) error { return j.w.Flush() }

// natsOutput re-publishes to a subject of the NATS server replay reads.
type natsOutput struct{ p *natssink.Republisher }

func (n natsOutput) write(ctx context.Context, rec record) error {
	e, err := rec.event(ctx)
	if err != nil {
		return err
	}
	return n.p.Publish(ctx, e)
}

func (n natsOutput) finish(ctx context.Context) error { return n.p.Flush(ctx) }

// kafkaOutput re-publishes to a topic of the Kafka cluster replay reads.
type kafkaOutput struct{ p *kafkasink.Republisher }

func (k kafkaOutput) write(ctx context.Context, rec record) error {
	e, err := rec.event(ctx)
	if err != nil {
		return err
	}
	return k.p.Publish(ctx, e)
}

func (k kafkaOutput) finish(ctx context.Context) error {
	err := k.p.Flush(ctx)
	if cerr := k.p.Close(); err == nil {
		err = cerr
	}
	return err
}

// open makes the output; reader lends its connection to the broker.
func (d destination) open(ctx context.Context, stdout io.Writer, reader *eventReader, h httpSettings, logf func(string, ...any)) (output, error) {
	switch d.scheme {
	case "http":
		return newHTTPOutput(d.target, h, reader, logf), nil
	case "nats":
		p, err := natssink.NewRepublisher(ctx, reader.nc, d.target)
		if err != nil {
			return nil, fmt.Errorf("--to %s: %w", d, err)
		}
		return natsOutput{p}, nil
	case "kafka":
		p, err := kafkasink.NewRepublisher(ctx, reader.kafkaBrokers, d.target, reader.kafkaTransport)
		if err != nil {
			return nil, fmt.Errorf("--to %s: %w", d, err)
		}
		return kafkaOutput{p}, nil
	}
	return newJSONLines(stdout, false), nil
}
