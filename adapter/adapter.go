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
	"fmt"
	"net/http"
	"net/url"
	"strings"

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
	// Query is the webhook URL's query: a registry that names nothing in
	// the request is told apart by the URL the user configured (Quay's
	// ?event=repo_push).
	Query url.Values
	Body  []byte
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

// Rejected is returned beside the events of a delivery some of whose
// elements could not be read: the receiver stores the events it got and
// names these in its answer, so that one bad element does not hold back
// its valid siblings (a registry that retries a delivery forever would
// otherwise never get past it).
type Rejected struct {
	Elements []RejectedElement
}

// RejectedElement is one element of a delivery that could not be read.
type RejectedElement struct {
	// Index is the element's place in the delivery, from 0.
	Index int `json:"index"`
	// Field is the JSON path of the field at fault, from the element.
	Field string `json:"field,omitempty"`
	Error string `json:"error"`
}

func (r *Rejected) Error() string {
	parts := make([]string, len(r.Elements))
	for i, e := range r.Elements {
		parts[i] = fmt.Sprintf("element %d: %s", e.Index, e.Error)
	}
	return strings.Join(parts, "; ")
}
