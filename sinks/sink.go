// Package sinks defines what hubwire needs of a broker. One package per
// broker implements it (sinks/nats, sinks/kafka); none of them knows which
// registry an event came from.
package sinks

import (
	"context"
	"errors"
	"fmt"

	"github.com/cloudevents/sdk-go/v2/event"
)

// Address is where an event belongs, in terms every broker can map onto its
// own keyspace: NATS makes it a subject, Kafka a record key.
type Address struct {
	// Source is the registry kind the event came from ("dockerhub", "dtr").
	Source string
	// Kind is the event kind within its source ("push", "tag_push").
	Kind string
	// Namespace and Name name the repository; both are empty for events
	// that belong to no repository (a DTR scanner update).
	Namespace string
	Name      string
}

// Receipt says where a published event is stored.
type Receipt struct {
	// Broker is "nats" or "kafka".
	Broker string `json:"broker"`
	// Stream is the JetStream stream or Kafka topic holding the event.
	Stream string `json:"stream"`
	// Partition is the Kafka partition holding the event (0 on NATS).
	Partition int `json:"partition,omitempty"`
	// Seq is the stream sequence (NATS) or offset (Kafka).
	Seq uint64 `json:"seq"`
	// Duplicate is true when the broker already held an event with this id
	// and stored nothing new.
	Duplicate bool `json:"duplicate"`
	// Spooled is true when the broker could not take the event in time
	// and hubwire holds it on local disk, to forward it in order once
	// the broker is back. Stream is then where it will be stored.
	Spooled bool `json:"spooled,omitempty"`
}

// Sink is a broker that stores events durably.
type Sink interface {
	// Publish stores e and returns only once the broker acknowledged it:
	// a nil error means the event is durable.
	Publish(ctx context.Context, addr Address, e *event.Event) (Receipt, error)
	// Destination names where Publish stores events (Broker and Stream,
	// no sequence), known before any event is published.
	Destination() Receipt
	// Ready reports whether the broker can take events now.
	Ready(ctx context.Context) error
	// Close releases the sink's connections.
	Close() error
}

// ErrTooLarge marks an event the broker will never take because of its
// size; retrying cannot help. A sink that knows the figures returns a
// *TooLargeError, which matches it.
var ErrTooLarge = errors.New("event too large for the broker")

// TooLargeError is an event the broker will never take, with the figures
// that say why: its size once encoded for the broker, and the broker's
// limit (0 when the broker did not say).
type TooLargeError struct {
	ID     string
	Size   int64
	Max    int64
	Broker string
	Err    error // the broker's own error, if it refused the event
}

func (e *TooLargeError) Error() string {
	msg := fmt.Sprintf("event %s is %d bytes once encoded for %s", e.ID, e.Size, e.Broker)
	if e.Max > 0 {
		msg += fmt.Sprintf(", more than its max payload of %d bytes", e.Max)
	} else {
		msg += ", more than it accepts"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Is makes a *TooLargeError match ErrTooLarge.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// Unwrap is the broker's own error.
func (e *TooLargeError) Unwrap() error { return e.Err }
