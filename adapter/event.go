package adapter

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
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
	if err := setData(&e, s.Data); err != nil {
		return e, fmt.Errorf("encoding data of %s: %w", s.Type, err)
	}
	if err := e.Validate(); err != nil {
		return e, fmt.Errorf("event %s is not a valid CloudEvent: %w", s.Type, err)
	}
	return e, nil
}

// setData sets data as e's JSON data. Either way the data is marked as
// JSON, not as bytes, so that structured mode writes "data": {…} rather
// than "data_base64" (what the SDK's SetData does with a value; given
// bytes, it would mark them base64).
func setData(e *event.Event, data any) error {
	a, ok := data.(DataAppender)
	if !ok {
		return e.SetData(event.ApplicationJSON, data)
	}
	b, err := a.AppendJSON(make([]byte, 0, 1024))
	if err != nil {
		return err
	}
	e.SetDataContentType(event.ApplicationJSON)
	e.DataEncoded, e.DataBase64 = b, false
	return nil
}

// EventID derives an event id from the parts that identify an occurrence.
// The same occurrence delivered twice (a retry, a second replica behind a
// load balancer) gets the same id, which is what lets the broker drop the
// duplicate. Parts are length-prefixed so that ("ab","c") and ("a","bc")
// differ.
func EventID(parts ...string) string {
	var buf [512]byte
	b := buf[:0]
	for _, p := range parts {
		b = strconv.AppendInt(b, int64(len(p)), 10)
		b = append(b, ':')
		b = append(b, p...)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
