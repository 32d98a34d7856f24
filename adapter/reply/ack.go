// Package reply is the reply subscriber: it takes consumers'
// acknowledgements of events, decides per the chain policy when the sender
// of an event gets its callback, and posts that callback, once per event,
// only to allowed hosts, recording every attempt.
package reply

import (
	"encoding/json"
	"fmt"
	"net/url"
	"time"
	"unicode/utf8"

	"github.com/hubwire/hubwire/internal/excerpt"
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

// Limits of the other ack fields, so that every ack taken can be applied
// (a huge consumer name was answered accepted, then never fit the record
// and was retried for the acks' whole retention): the consumer name in
// characters, the target URL in bytes, a whole ack in bytes.
const (
	MaxConsumer  = 100
	MaxTargetURL = 2048
	MaxAckBytes  = 8 << 10
)

// Dead-lettering: an ack that could not be applied after MaxAckAttempts
// tries, AckRetryDelay apart, goes to a dead-letter subject or topic
// (kept there, counted as hubwire_acks_total{result="dead_lettered"},
// logged once) instead of being retried for ever.
const MaxAckAttempts = 10

// AckRetryDelay is the wait before try n+1 of an ack (n from 1): 1s
// doubling to a minute, about 5 minutes over MaxAckAttempts, so that a
// short outage of the records' store dead-letters nothing.
func AckRetryDelay(n int) time.Duration {
	return min(time.Second<<min(n-1, 10), time.Minute)
}

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
	if len(body) > MaxAckBytes {
		return a, fmt.Errorf("ack is %d bytes; at most %d", len(body), MaxAckBytes)
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return a, fmt.Errorf("ack is not a JSON object with event_id, consumer, state: %s", excerpt.Text(err.Error(), 200))
	}
	if a.EventID == "" {
		a.EventID = subjectID
	}
	if subjectID != "" && a.EventID != subjectID {
		return a, fmt.Errorf("event_id %s differs from the event id %s it was sent for", excerpt.Quote(a.EventID), excerpt.Quote(subjectID))
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
		return fmt.Errorf("event_id %s is not a hubwire event id: 32 lowercase hexadecimal digits, the event's id attribute", excerpt.Quote(a.EventID))
	case a.Consumer == "":
		return fmt.Errorf("consumer is required: name who acknowledges (ci, scanner, …)")
	case utf8.RuneCountInString(a.Consumer) > MaxConsumer:
		return fmt.Errorf("consumer is %d characters; at most %d", utf8.RuneCountInString(a.Consumer), MaxConsumer)
	case a.State != Success && a.State != Failure && a.State != Error:
		return fmt.Errorf("state %s: want success, failure or error", excerpt.Quote(a.State))
	case len(a.TargetURL) > MaxTargetURL:
		return fmt.Errorf("target_url is %d bytes; at most %d", len(a.TargetURL), MaxTargetURL)
	case utf8.RuneCountInString(a.Description) > MaxDescription:
		return fmt.Errorf("description is %d characters; at most %d", utf8.RuneCountInString(a.Description), MaxDescription)
	case utf8.RuneCountInString(a.Context) > MaxContext:
		return fmt.Errorf("context is %d characters; at most %d", utf8.RuneCountInString(a.Context), MaxContext)
	}
	if a.TargetURL != "" {
		u, err := url.Parse(a.TargetURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("target_url %s: want an absolute http(s) URL", excerpt.Quote(a.TargetURL))
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
