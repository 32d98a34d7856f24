package replay

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/cloudevents/sdk-go/v2/types"
)

// record is one event read back, and where the broker holds it.
type record struct {
	msg    storedMessage
	stored time.Time // when the broker stored it
	seq    uint64    // NATS: stream sequence
	// Kafka: partition and offset.
	partition int
	offset    int64
}

// storedMessage is a message as the broker holds it, decoded as far as
// asked: JSON lines need no event.Event, and making one costs.
type storedMessage interface {
	Event(ctx context.Context) (*event.Event, error)
	// Attribute is a context attribute or extension, "" when missing.
	Attribute(name string) string
	// AppendJSON appends the event as structured-mode JSON, one line.
	AppendJSON(dst []byte) ([]byte, error)
}

// errNotAnEvent marks a message that does not decode as a CloudEvent:
// it is skipped, with a warning, and counted in the summary.
var errNotAnEvent = errors.New("not a CloudEvent")

// event decodes rec.
func (rec record) event(ctx context.Context) (*event.Event, error) {
	e, err := rec.msg.Event(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNotAnEvent, err)
	}
	return e, nil
}

// decodedEvent is an event its reader decoded already (Kafka's readers
// decode in parallel, one goroutine per partition).
type decodedEvent struct{ e *event.Event }

func (d decodedEvent) Event(context.Context) (*event.Event, error) { return d.e, nil }

func (d decodedEvent) Attribute(name string) string {
	switch name {
	case "id":
		return d.e.ID()
	case "type":
		return d.e.Type()
	case "subject":
		return d.e.Subject()
	case "source":
		return d.e.Source()
	}
	s, _ := types.ToString(d.e.Extensions()[name])
	return s
}

func (d decodedEvent) AppendJSON(dst []byte) ([]byte, error) {
	b, err := d.e.MarshalJSON()
	if err != nil {
		return dst, fmt.Errorf("encoding event %s: %w", d.e.ID(), err)
	}
	return append(dst, b...), nil
}

// skip reports a message that is not a CloudEvent, which Run and Tail
// leave out.
func (r *eventReader) skip(rec record, err error) {
	r.undecodable.Add(1)
	r.warnf("skipped the message at %s: %v", r.position(rec), err)
}

// position names where the broker holds rec, for messages.
func (r *eventReader) position(rec record) string {
	if r.kafka {
		return fmt.Sprintf("partition %d offset %d", rec.partition, rec.offset)
	}
	return fmt.Sprintf("stream sequence %d", rec.seq)
}

// resumeAt is the flag that starts a replay with rec, or with after, just
// after it. On Kafka it is a time, as the partitions are merged by time:
// events stored in the same millisecond may come twice, and consumers drop
// repeats by id.
func (r *eventReader) resumeAt(rec record, after bool) string {
	if r.kafka {
		return "--since " + rec.stored.UTC().Format(time.RFC3339Nano)
	}
	if after {
		return fmt.Sprintf("--from-seq %d", rec.seq+1)
	}
	return fmt.Sprintf("--from-seq %d", rec.seq)
}
