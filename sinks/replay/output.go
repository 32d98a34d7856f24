package replay

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/hubwire/hubwire/internal/redact"
	kafkasink "github.com/hubwire/hubwire/sinks/kafka"
	natssink "github.com/hubwire/hubwire/sinks/nats"
)

// Destination is where Run writes the events.
type Destination struct {
	Kind DestinationKind
	// Target is the URL, subject or topic.
	Target string
}

// DestinationKind says what a Destination is.
type DestinationKind int

const (
	// ToJSONLines writes one structured CloudEvent as JSON per line, to
	// Options.Out.
	ToJSONLines DestinationKind = iota
	// ToHTTP POSTs each event to Target in the CloudEvents HTTP binding,
	// binary mode, one at a time: an event is retried with backoff until
	// the receiver answers 2xx, so that it sees them in order; a 4xx
	// other than 408 and 429 ends the replay, naming the event and how to
	// resume.
	ToHTTP
	// ToNATS re-publishes to subject Target of the NATS broker read.
	ToNATS
	// ToKafka re-publishes to topic Target of the Kafka broker read.
	ToKafka
)

// String names the destination for the summary, without the path of a
// URL, which may hold a token.
func (d Destination) String() string {
	switch d.Kind {
	case ToHTTP:
		return redact.HostOr(d.Target, "the receiver")
	case ToNATS:
		return "nats:" + d.Target
	case ToKafka:
		return "kafka:" + d.Target
	}
	return "standard output"
}

// output is where Run and Tail write events.
type output interface {
	write(ctx context.Context, rec record) error
	// finish returns once everything written has arrived, and releases
	// the output; an error of an earlier write may show only here.
	finish(ctx context.Context) error
}

// open makes the output; reader lends its connection to the broker.
func (d Destination) open(ctx context.Context, out io.Writer, reader *eventReader, timeout time.Duration, logf func(string, ...any)) (output, error) {
	switch d.Kind {
	case ToHTTP:
		return newHTTPOutput(d.Target, timeout, reader, logf), nil
	case ToNATS:
		if reader.nc == nil {
			return nil, errors.New("a NATS destination re-publishes to the broker read, which is Kafka")
		}
		p, err := natssink.NewRepublisher(ctx, reader.nc, d.Target)
		if err != nil {
			return nil, fmt.Errorf("--to %s: %w", d, err)
		}
		return natsOutput{p}, nil
	case ToKafka:
		if !reader.kafka {
			return nil, errors.New("a Kafka destination re-publishes to the broker read, which is NATS")
		}
		p, err := kafkasink.NewRepublisher(ctx, reader.kafkaBrokers, d.Target, reader.kafkaTransport)
		if err != nil {
			return nil, fmt.Errorf("--to %s: %w", d, err)
		}
		return kafkaOutput{p}, nil
	}
	return newJSONLines(out, false), nil
}

// intoSource refuses a destination that writes into the stream (or topic)
// the replay reads: each event would be stored there a second time, and
// the stream's consumers would get it again (after the duplicate window,
// which a replay of old events is past).
func intoSource(d Destination, b Broker, out output) error {
	switch o := out.(type) {
	case natsOutput:
		if b.NATS != nil && o.p.Stream() == b.NATS.Stream {
			return fmt.Errorf("--to %s: stream %s, which this replay reads, captures subject %s: every event replayed would be stored in it a second time. Choose a subject no stream of hubwire's captures, or pass --force if that is what you want", d, b.NATS.Stream, d.Target)
		}
	case kafkaOutput:
		if b.Kafka != nil && d.Target == b.Kafka.Topic {
			return fmt.Errorf("--to %s: that is topic %s, which this replay reads: every event replayed would be stored in it a second time. Choose another topic, or pass --force if that is what you want", d, b.Kafka.Topic)
		}
	}
	return nil
}

// protected refuses a nats: or kafka: destination that writes into one of
// the streams or topics named, whatever Force says.
func protected(d Destination, out output, names []string) error {
	var target string
	switch o := out.(type) {
	case natsOutput:
		target = o.p.Stream()
	case kafkaOutput:
		target = d.Target
	}
	if target != "" && slices.Contains(names, target) {
		what := "stream"
		if d.Kind == ToKafka {
			what = "topic"
		}
		return fmt.Errorf("%s: that writes into %s %s, which is hubwire's own: choose another destination", d, what, target)
	}
	return nil
}

// jsonLines writes each event as one line of structured-mode JSON. Tail
// flushes every line; Run only at the end, for speed.
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

// natsOutput re-publishes to a subject of the NATS server Run reads.
type natsOutput struct{ p *natssink.Republisher }

func (n natsOutput) write(ctx context.Context, rec record) error {
	e, err := rec.event(ctx)
	if err != nil {
		return err
	}
	return n.p.Publish(ctx, e)
}

func (n natsOutput) finish(ctx context.Context) error { return n.p.Flush(ctx) }

// kafkaOutput re-publishes to a topic of the Kafka cluster Run reads.
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
