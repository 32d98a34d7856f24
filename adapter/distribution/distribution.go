// Package distribution decodes the notifications of the CNCF distribution
// registry (registry:2, distribution v3, GitLab's self-managed registry and
// the others built on it) into CloudEvents.
//
// Distribution posts an envelope {"events":[…]}: one event per element
// (3.x sends one per request, 2.8 could send several). Each element says
// its action (push, pull, mount, delete) and, in target, what it acted
// on; whether that was a manifest or a blob is read from target.mediaType,
// or from target.url when there is none. Fields hubwire does not know are
// kept in data.payload, never refused.
package distribution

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/sinks"
)

// SourceName is the path element of distribution's webhook URL.
const SourceName = "distribution"

// Source decodes distribution deliveries.
type Source struct {
	schemaBase string
	// slow sends every delivery through adapter.DecodeJSON, as before
	// the hand-written reading: for the tests that hold the two ways to
	// one result.
	slow bool
}

// New returns a decoder whose events point their dataschema at the schemas
// served under schemaBase (for example http://127.0.0.1:8080/schemas/).
func New(schemaBase string) *Source {
	return &Source{schemaBase: schemaBase}
}

// byAction finds a listed event type by data.action.
var byAction = func() map[string]adapter.EventType {
	m := map[string]adapter.EventType{}
	for _, t := range types {
		m[t.Action] = t
	}
	return m
}()

// genericSchema is the schema of an event of a kind hubwire does not list
// (an action a later distribution may add): typed by its own name, never
// refused.
const genericSchema = "distribution.event"

type envelope struct {
	Events []json.RawMessage `json:"events"`
}

// element is the part of one event hubwire reads; the whole element is
// kept in data.payload.
type element struct {
	ID        string  `json:"id"`
	Timestamp string  `json:"timestamp"`
	Action    string  `json:"action"`
	Target    *target `json:"target"`
	Request   struct {
		Host      string `json:"host"`
		Method    string `json:"method"`
		UserAgent string `json:"useragent"`
	} `json:"request"`
	Actor struct {
		Name string `json:"name"`
	} `json:"actor"`
	Source struct {
		Addr       string `json:"addr"`
		InstanceID string `json:"instanceID"`
	} `json:"source"`
}

type target struct {
	MediaType      string `json:"mediaType"`
	Digest         string `json:"digest"`
	Repository     string `json:"repository"`
	FromRepository string `json:"fromRepository"`
	URL            string `json:"url"`
	Tag            string `json:"tag"`
}

// Data is the data of every io.cncf.distribution.* event; which of the
// optional parts are present depends on the kind (see its JSON Schema).
type Data struct {
	adapter.Facts
	// EventID is distribution's own id of the event (events[].id).
	EventID string `json:"event_id,omitempty"`
	// Host is the registry's host as the client addressed it
	// (request.host), else the one in target.url or source.addr.
	Host string `json:"host,omitempty"`
	// MediaType is the media type of the manifest or blob.
	MediaType string `json:"media_type,omitempty"`
	// URL is where the manifest or blob can be fetched.
	URL string `json:"url,omitempty"`
	// FromRepository is the repository a mounted blob came from.
	FromRepository string `json:"from_repository,omitempty"`
	// UserAgent is the client's, as the registry saw it.
	UserAgent string `json:"user_agent,omitempty"`
	// Payload is the element of the envelope as received.
	Payload json.RawMessage `json:"payload"`
}

// Decode implements adapter.Decoder: one event per element of the
// envelope. Elements that cannot be read are returned in an
// *adapter.Rejected beside the others, so that one bad element does not
// hold back the rest; a delivery whose only element is bad is refused
// with the field at fault.
func (s *Source) Decode(d adapter.Delivery) ([]*adapter.Decoded, error) {
	var env envelope
	top, err := adapter.DecodeFast(d.Body, &env, s.decodeEnvelope)
	if err != nil {
		return nil, err
	}
	if top.Get("events") == nil {
		return nil, adapter.Errorf("events", `is required: distribution sends {"events":[…]}`)
	}
	var out []*adapter.Decoded
	var rejected adapter.Rejected
	var firstErr *adapter.FieldError
	for i, raw := range env.Events {
		e, err := s.decode(raw)
		if err != nil {
			fe := asFieldError(err)
			if firstErr == nil {
				firstErr = adapter.Errorf(joinField(fmt.Sprintf("events[%d]", i), fe.Field), "%s", fe.Problem)
			}
			rejected.Elements = append(rejected.Elements, adapter.RejectedElement{Index: i, Field: fe.Field, Error: fe.Error()})
			continue
		}
		out = append(out, e)
	}
	switch {
	case len(rejected.Elements) == 0:
		return out, nil
	case len(out) == 0 && len(env.Events) == 1:
		return nil, firstErr
	default:
		return out, &rejected
	}
}

func asFieldError(err error) *adapter.FieldError {
	if fe, ok := err.(*adapter.FieldError); ok {
		return fe
	}
	return &adapter.FieldError{Problem: err.Error()}
}

func joinField(prefix, field string) string {
	if field == "" {
		return prefix
	}
	return prefix + "." + field
}

func (s *Source) decode(raw json.RawMessage) (*adapter.Decoded, error) {
	var el element
	top, err := adapter.DecodeFast(raw, &el, s.decodeElement)
	if err != nil {
		return nil, err
	}
	// The actions are lower case; a sender that capitalizes one still
	// means it.
	el.Action = strings.ToLower(el.Action)
	if el.Action == "" {
		return nil, adapter.Errorf("action", "is required: push, pull, mount or delete")
	}
	if el.Target == nil {
		return nil, adapter.Errorf("target", "is required: what the event acted on")
	}
	t := el.Target
	if t.Repository == "" {
		return nil, adapter.Errorf("target.repository", "is required")
	}
	if el.Timestamp == "" {
		return nil, adapter.Errorf("timestamp", "is required: the time of the event, RFC 3339")
	}
	at, err := time.Parse(time.RFC3339Nano, el.Timestamp)
	if err != nil {
		return nil, adapter.Errorf("timestamp", "%q is not an RFC 3339 time", el.Timestamp)
	}
	at = at.UTC()

	kind := kindOf(el.Action, t.MediaType, t.URL, t.Digest, t.Tag)
	action := kind + "." + pastTense(el.Action)
	typ, listed := byAction[action]
	if !listed {
		typ = adapter.EventType{Type: Prefix + action, Kind: strings.ReplaceAll(action, ".", "_"), Action: action, Schema: genericSchema}
	}

	repository := t.Repository
	// A repository may be one level ("hello-world" on a private
	// registry) or several (GitLab's group/subgroup/project); the
	// namespace is its first level, so that one team's repositories share
	// a subject prefix.
	namespace, name, ok := strings.Cut(repository, "/")
	if !ok {
		namespace, name = "", repository
	}
	facts := adapter.Facts{
		Registry:   SourceName,
		Repository: repository,
		Namespace:  namespace,
		Name:       name,
		Tag:        t.Tag,
		Digest:     t.Digest,
		Actor:      el.Actor.Name,
		Action:     action,
		OccurredAt: at,
	}
	subject := repository
	switch {
	case t.Tag != "":
		subject += ":" + t.Tag
	case t.Digest != "":
		subject += "@" + t.Digest
	}
	scheme, host := registryHost(el.Request.Host, t.URL, el.Source.Addr)
	source := "urn:hubwire:distribution:" + url.PathEscape(repository)
	if host != "" {
		source = (&url.URL{Scheme: scheme, Host: host, Path: "/" + repository}).String()
	}
	e, err := adapter.NewEvent(adapter.Spec{
		// distribution's event id is the occurrence: a retry, or the same
		// event fanned out to a second endpoint that also posts here,
		// carries the same one, while a second push of the same manifest
		// is a new occurrence with a new id. The rest is hashed in too so
		// that a sender that reuses ids across different events (the docs'
		// examples do) does not lose one as a duplicate.
		ID:           adapter.EventID(SourceName, el.ID, strconv.FormatInt(at.UnixNano(), 10), action, repository, t.Tag, t.Digest, t.FromRepository, host),
		Source:       source,
		Type:         typ.Type,
		Subject:      subject,
		Schema:       s.schemaBase + typ.Schema + ".json",
		PartitionKey: repository,
		Facts:        facts,
		Data: Data{
			Facts:          facts,
			EventID:        el.ID,
			Host:           host,
			MediaType:      t.MediaType,
			URL:            t.URL,
			FromRepository: t.FromRepository,
			UserAgent:      el.Request.UserAgent,
			Payload:        top.Payload(),
		},
	})
	if err != nil {
		return nil, adapter.Errorf("", "%v", err)
	}
	return &adapter.Decoded{
		Event:   e,
		Address: sinks.Address{Source: SourceName, Kind: typ.Kind, Namespace: namespace, Name: name},
	}, nil
}

// kindOf tells what an event acted on. Distribution's manifest and blob
// events carry target.mediaType (blobs say application/octet-stream);
// where it is missing, target.url names /manifests/ or /blobs/. A delete
// carries neither: a digest then means a manifest (distribution's own
// blob deletes look the same and are read as manifest deletes, the
// common case), a tag alone a tag, nothing but the repository the
// repository. A mount is always of a blob.
func kindOf(action, mediaType, target, digest, tag string) string {
	switch {
	case action == "mount":
		return "blob"
	case mediaType != "":
		if isManifest(mediaType) {
			return "manifest"
		}
		return "blob"
	case strings.Contains(target, "/manifests/"):
		return "manifest"
	case strings.Contains(target, "/blobs/"):
		return "blob"
	case action == "delete" && digest == "" && tag != "":
		return "tag"
	case action == "delete" && digest == "" && tag == "":
		return "repository"
	}
	return "manifest"
}

// isManifest reports whether a media type is a manifest's: Docker's
// manifests and manifest lists, OCI's image manifest and index.
func isManifest(mediaType string) bool {
	return strings.Contains(mediaType, "manifest") || strings.HasPrefix(mediaType, "application/vnd.oci.image.index")
}

// pastTense names what happened: push → pushed. An action distribution
// does not document yet is kept as it is.
func pastTense(action string) string {
	switch action {
	case "push":
		return "pushed"
	case "pull":
		return "pulled"
	case "mount":
		return "mounted"
	case "delete":
		return "deleted"
	}
	return action
}

// registryHost finds the registry's host: the one the client addressed
// (request.host), else the one in target.url, else the instance's own
// address; with the scheme of target.url, https when it names none. A
// value that is not a plain host is passed over.
func registryHost(requestHost, targetURL, sourceAddr string) (scheme, host string) {
	scheme = "https"
	var fromURL string
	if u, err := url.Parse(targetURL); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		scheme, fromURL = u.Scheme, u.Host
	}
	for _, h := range []string{requestHost, fromURL, sourceAddr} {
		if adapter.ValidHost(h) {
			return scheme, h
		}
	}
	return scheme, ""
}
