package adapter

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
)

// Facts are the normalized fields at the top of every event's data, the same
// for every registry, so that a consumer can handle any source without
// knowing its payload. The same facts a consumer filters on (repository, tag,
// digest) are also CloudEvent extensions, readable without parsing data.
type Facts struct {
	Registry   string    `json:"registry"`
	Repository string    `json:"repository,omitempty"`
	Namespace  string    `json:"namespace,omitempty"`
	Name       string    `json:"name,omitempty"`
	Tag        string    `json:"tag,omitempty"`
	Digest     string    `json:"digest,omitempty"`
	Actor      string    `json:"actor,omitempty"`
	Action     string    `json:"action"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Spec is what a decoder knows about one occurrence; NewEvent turns it into
// a CloudEvent.
type Spec struct {
	ID      string
	Source  string
	Type    string
	Subject string
	// Schema is the URI of the JSON Schema of Data.
	Schema string
	// PartitionKey keeps one repository's events in order; events that
	// belong to no repository name what they belong to instead.
	PartitionKey string
	Facts        Facts
	// Data is marshalled to JSON as the event's data. It embeds Facts.
	Data any
}

// Extension attribute names set on every event (when the fact is known).
const (
	ExtPartitionKey = "partitionkey"
	ExtRepository   = "repository"
	ExtTag          = "tag"
	ExtDigest       = "digest"
)

// NewEvent builds the CloudEvent for s and checks it against the CloudEvents
// spec, so that no sink ever sees an event an SDK would refuse.
func NewEvent(s Spec) (event.Event, error) {
	e := event.New(event.CloudEventsVersionV1)
	e.SetID(s.ID)
	e.SetSource(s.Source)
	e.SetType(s.Type)
	if s.Subject != "" {
		e.SetSubject(s.Subject)
	}
	e.SetTime(s.Facts.OccurredAt)
	e.SetDataSchema(s.Schema)
	e.SetExtension(ExtPartitionKey, s.PartitionKey)
	for name, value := range map[string]string{
		ExtRepository: s.Facts.Repository,
		ExtTag:        s.Facts.Tag,
		ExtDigest:     s.Facts.Digest,
	} {
		if value != "" {
			e.SetExtension(name, value)
		}
	}
	// Handing the SDK the value (not bytes) marks the data as JSON, so that
	// structured mode writes "data": {…} rather than "data_base64".
	if err := e.SetData(event.ApplicationJSON, s.Data); err != nil {
		return e, fmt.Errorf("encoding data of %s: %w", s.Type, err)
	}
	if err := e.Validate(); err != nil {
		return e, fmt.Errorf("event %s is not a valid CloudEvent: %w", s.Type, err)
	}
	return e, nil
}

// EventID derives an event id from the parts that identify an occurrence.
// The same occurrence delivered twice (a retry, a second replica behind a
// load balancer) gets the same id, which is what lets the broker drop the
// duplicate. Parts are length-prefixed so that ("ab","c") and ("a","bc")
// differ.
func EventID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
