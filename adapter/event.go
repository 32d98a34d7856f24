package adapter

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/cloudevents/sdk-go/v2/types"

	"github.com/hubwire/hubwire/internal/rawjson"
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
//
// The event's context is made directly, as the SDK's setters would make
// it, and checked here for what those setters and Validate would refuse:
// on every delivery's path, the setters' parsing of the dataschema (the
// same few URIs every time, parsed once here) and Validate's maps and
// media type parsing cost more than the rest of the event. Whatever the
// direct way does not vouch for is built the SDK's way, so that an event
// it refuses is refused with the SDK's own words.
func NewEvent(s Spec) (event.Event, error) {
	e, ok := newEventDirect(s)
	if !ok {
		return newEventBySetters(s)
	}
	if err := setData(&e, s.Data); err != nil {
		return e, fmt.Errorf("encoding data of %s: %w", s.Type, err)
	}
	return e, nil
}

// newEventDirect is the event of s as newEventBySetters makes it, without
// its data; ok is false for a spec the setters or Validate would answer
// with an error.
func newEventDirect(s Spec) (event.Event, bool) {
	id, typ := strings.TrimSpace(s.ID), strings.TrimSpace(s.Type)
	if id == "" || typ == "" || s.Source == "" {
		return event.Event{}, false
	}
	// A source with a scheme is no empty URI-reference, which is all
	// Validate asks of one; every registry's has one.
	source, err := url.Parse(s.Source)
	if err != nil || source.Scheme == "" {
		return event.Event{}, false
	}
	ec := &event.EventContextV1{
		ID:         id,
		Source:     types.URIRef{URL: *source},
		Type:       typ,
		Extensions: make(map[string]any, 4),
	}
	if schema := strings.TrimSpace(s.Schema); schema != "" {
		if ec.DataSchema = schemaURI(schema); ec.DataSchema == nil {
			return event.Event{}, false
		}
	}
	if subject := strings.TrimSpace(s.Subject); subject != "" {
		ec.Subject = &subject
	}
	if !s.Facts.OccurredAt.IsZero() {
		ec.Time = &types.Timestamp{Time: s.Facts.OccurredAt}
	}
	ec.Extensions[ExtPartitionKey] = s.PartitionKey
	if s.Facts.Repository != "" {
		ec.Extensions[ExtRepository] = s.Facts.Repository
	}
	if s.Facts.Tag != "" {
		ec.Extensions[ExtTag] = s.Facts.Tag
	}
	if s.Facts.Digest != "" {
		ec.Extensions[ExtDigest] = s.Facts.Digest
	}
	return event.Event{Context: ec}, true
}

// schemas are the dataschema URIs seen, parsed: each registry's types name
// a few, under the one base of the server's schemas.
var (
	schemas     sync.Map // string → *types.URI
	schemaCount atomic.Int32
)

// maxSchemas bounds the cache, far above the number of types hubwire
// knows times the bases a process serves under.
const maxSchemas = 4096

// schemaURI is the parsed dataschema URI s, shared by every event of its
// type (an event's setter replaces the pointer, never writes through it);
// nil for one the SDK would refuse, parsed or not absolute.
func schemaURI(s string) *types.URI {
	if u, ok := schemas.Load(s); ok {
		return u.(*types.URI)
	}
	pu, err := url.Parse(s)
	if err != nil {
		return nil
	}
	u := &types.URI{URL: *pu}
	if !u.Validate() {
		return nil
	}
	if schemaCount.Load() < maxSchemas {
		if _, loaded := schemas.LoadOrStore(s, u); !loaded {
			schemaCount.Add(1)
		}
	}
	return u
}

// newEventBySetters builds the event through the SDK's setters and
// Validate, as NewEvent did before it made the context directly: the
// reference that way is held to (TestNewEventAsBySetters), and the way
// its errors are made.
func newEventBySetters(s Spec) (event.Event, error) {
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

// setData sets data as e's JSON data, with '<', '>' and '&' as sent:
// the DataAppenders write them so, and data of any other type is encoded
// the same way rather than by the SDK's SetData, whose json.Marshal would
// escape them (one registry's events would then differ from another's).
// The data is marked as JSON, not as bytes, so that structured mode
// writes "data": {…} rather than "data_base64".
func setData(e *event.Event, data any) error {
	var b []byte
	var err error
	if a, ok := data.(DataAppender); ok {
		b, err = a.AppendJSON(make([]byte, 0, 1024))
	} else {
		b, err = rawjson.Marshal(data)
	}
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
