// Package reply is the reply subscriber: it takes consumers'
// acknowledgements of events, decides per the chain policy when the sender
// of an event gets its callback, and posts that callback, once per event,
// only to allowed hosts, recording every attempt.
package reply

import (
	"encoding/json"
	"fmt"
	"net/url"
	"unicode/utf8"
)

// AckSubjectPrefix is where consumers acknowledge on NATS:
// hubwire.acks.<event-id>. It is part of the ack protocol (hubwire ack and
// the AsyncAPI document name it), so it lives here with Ack.
const AckSubjectPrefix = "hubwire.acks"

// States an ack, and a callback, can carry (Docker Hub's callback states).
const (
	Success = "success"
	Failure = "failure"
	Error   = "error"
)

// Limits of Docker Hub's callback fields, in characters.
const (
	MaxDescription = 255
	MaxContext     = 100
)

// Ack is a consumer's answer about one event.
type Ack struct {
	EventID     string `json:"event_id"`
	Consumer    string `json:"consumer"`
	State       string `json:"state"`
	Description string `json:"description,omitempty"`
	Context     string `json:"context,omitempty"`
	TargetURL   string `json:"target_url,omitempty"`
}

// ParseAck decodes and checks an ack. The event id in the subject (or the
// Kafka key), when given, must match the body's or fill it in.
func ParseAck(body []byte, subjectID string) (Ack, error) {
	var a Ack
	if err := json.Unmarshal(body, &a); err != nil {
		return a, fmt.Errorf("ack is not a JSON object with event_id, consumer, state: %v", err)
	}
	if a.EventID == "" {
		a.EventID = subjectID
	}
	if subjectID != "" && a.EventID != subjectID {
		return a, fmt.Errorf("event_id %q differs from the event id %q it was sent for", a.EventID, subjectID)
	}
	return a, a.Validate()
}

// isEventID reports whether id has the shape of the ids hubwire gives
// events (adapter.EventID). An ack for any such id is taken, known or not
// (see Record), so the shape is the check left against a mistyped id; it
// also keeps every id a valid key-value key.
func isEventID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range []byte(id) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Validate reports the first thing wrong with a, in words for the consumer
// who sent it.
func (a Ack) Validate() error {
	switch {
	case a.EventID == "":
		return fmt.Errorf("event_id is required")
	case !isEventID(a.EventID):
		return fmt.Errorf("event_id %q is not a hubwire event id: 32 lowercase hexadecimal digits, the event's id attribute", a.EventID)
	case a.Consumer == "":
		return fmt.Errorf("consumer is required: name who acknowledges (ci, scanner, …)")
	case a.State != Success && a.State != Failure && a.State != Error:
		return fmt.Errorf("state %q: want success, failure or error", a.State)
	case utf8.RuneCountInString(a.Description) > MaxDescription:
		return fmt.Errorf("description is %d characters; at most %d", utf8.RuneCountInString(a.Description), MaxDescription)
	case utf8.RuneCountInString(a.Context) > MaxContext:
		return fmt.Errorf("context is %d characters; at most %d", utf8.RuneCountInString(a.Context), MaxContext)
	}
	if a.TargetURL != "" {
		u, err := url.Parse(a.TargetURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("target_url %q: want an absolute http(s) URL", a.TargetURL)
		}
	}
	return nil
}

// AckReply answers an ack sent as a NATS request.
type AckReply struct {
	Accepted bool   `json:"accepted"`
	EventID  string `json:"event_id,omitempty"`
	Error    string `json:"error,omitempty"`
}
