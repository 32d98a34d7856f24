// Package adapter is the inbound side of hubwire: the HTTP receiver that
// registries post their webhooks to, and the contract that the per-registry
// decoders (adapter/dockerhub, adapter/dtr, …) implement.
//
// A decoder knows nothing of brokers; a sink knows nothing of registries.
// Both meet in the CloudEvent.
package adapter

import (
	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/hubwire/hubwire/sinks"
)

// Source decodes the webhook deliveries of one registry.
type Source interface {
	// Name is the path element of the source's webhook URL
	// (/hooks/<name>/<token>) and the first token of its NATS subjects.
	Name() string
	// Decode turns one delivery body into a CloudEvent. A body the source
	// cannot accept yields a *FieldError naming what is wrong.
	Decode(body []byte) (*Decoded, error)
}

// Decoded is one delivery turned into a CloudEvent.
type Decoded struct {
	Event event.Event
	// Address places the event in the broker's keyspace.
	Address sinks.Address
	// CallbackURL is the URL the sender expects a callback on. It is kept
	// out of the event (it is a capability: whoever holds it can answer for
	// the sender) and handed to the reply subscriber instead.
	CallbackURL string
}
