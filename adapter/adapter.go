// Package adapter is the contract between hubwire and the registries it
// takes webhooks from. A registry describes itself once (a Registry: its
// name, its event types, its samples) and decodes one delivery into zero
// or more events (a Decoder); one package per registry under adapter/
// implements it, and adapter/all lists them. Everything else (the
// receiver's routes, send, replay --type, the schemas, the AsyncAPI
// document) iterates that list instead of knowing registries.
//
// A decoder knows nothing of brokers; a sink knows nothing of registries.
// Both meet in the CloudEvent. This package and the registries' may
// import no broker, spool or metrics library (TestImportBoundary).
package adapter

import (
	"net/http"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/hubwire/hubwire/sinks"
)

// Decoder turns the deliveries of one registry into events.
type Decoder interface {
	// Decode turns one delivery into the events it carries: usually one,
	// several for a registry that batches (a CNCF distribution
	// envelope), none for a delivery that carries nothing to publish. A
	// delivery the decoder cannot read yields a *FieldError naming what
	// is wrong; a delivery that is merely uninteresting is never an
	// error.
	Decode(d Delivery) ([]*Decoded, error)
}

// Delivery is one webhook request as the registry sent it.
type Delivery struct {
	// Header holds the request's headers: some registries name the event
	// there (GitHub's X-GitHub-Event) or send binary-mode CloudEvents.
	Header http.Header
	Body   []byte
}

// Decoded is one event of a delivery.
type Decoded struct {
	Event event.Event
	// Address places the event in the broker's keyspace.
	Address sinks.Address
	// CallbackURL is the URL the sender expects a callback on. It is kept
	// out of the event (it is a capability: whoever holds it can answer for
	// the sender) and handed to the reply subscriber instead.
	CallbackURL string
}

// One is the answer of a decoder whose deliveries each carry one event:
// Decode can return One(decode(body)).
func One(d *Decoded, err error) ([]*Decoded, error) {
	if err != nil {
		return nil, err
	}
	return []*Decoded{d}, nil
}
