package sinks

import "github.com/cloudevents/sdk-go/v2/event"

// Entry is an event on its way to the broker, with what hubwire needs to
// finish its delivery once the broker has it: the store puts it, the spool
// keeps it on disk, the reply subscriber records it.
type Entry struct {
	// Source is the registry the event came from, for its delivery record.
	Source  string  `json:"source"`
	Address Address `json:"address"`
	// CallbackURL is kept on local disk and in the delivery record only;
	// it never reaches the broker.
	CallbackURL string `json:"callback_url,omitempty"`
	// Header is the delivery's HTTP headers that hold no secret (one
	// value each), for the delivery record; never published.
	Header map[string]string `json:"header,omitempty"`
	Event  *event.Event      `json:"event"`
}
