// Package zot decodes the CloudEvents of zot's events extension.
//
// zot (v2.1.3 and later, built with the events extension) posts each event
// to its http sinks as a binary-mode CloudEvent: the attributes in ce-*
// headers (ce-source zotregistry.dev, ce-type zotregistry.image.updated…,
// ce-id a fresh UUID, ce-time), the data as the JSON body ({name,
// reference, digest, mediaType, manifest…}). They are read with the
// CloudEvents SDK's HTTP binding, which also takes the structured mode.
// An incoming CloudEvent is not wrapped in a second one: it becomes
// hubwire's event of the same kind, zot's id, source and type kept as the
// extensions zotid, zotsource and zottype. Its type is matched by its
// ending (image.updated), so that a type prefix zot lets be changed does
// not matter; a kind hubwire does not know is published under its own
// name. zot does not retry.
package zot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/sinks"
)

// SourceName is the path element of zot's webhook URL.
const SourceName = "zot"

// eventSource is the source of every event zot makes.
const eventSource = "zotregistry.dev"

// Extension attributes that keep what zot's CloudEvent said of itself.
const (
	ExtZotID     = "zotid"
	ExtZotSource = "zotsource"
	ExtZotType   = "zottype"
)

// Source decodes zot's deliveries.
type Source struct {
	schemaBase string
}

// New returns a decoder whose events point their dataschema at the schemas
// served under schemaBase (for example http://127.0.0.1:8080/schemas/).
func New(schemaBase string) *Source {
	return &Source{schemaBase: schemaBase}
}

// eventData is the part of zot's data hubwire reads; all of it is kept in
// data.payload.
type eventData struct {
	Name      string `json:"name"`
	Reference string `json:"reference"`
	Digest    string `json:"digest"`
	MediaType string `json:"mediaType"`
	Actor     *struct {
		Name string `json:"name"`
	} `json:"actor"`
	Summary *struct {
		MaxSeverity string `json:"maxSeverity"`
	} `json:"summary"`
}

// Data is the data of every dev.zotregistry.* event.
type Data struct {
	adapter.Facts
	// MediaType is the media type of the manifest.
	MediaType string `json:"media_type,omitempty"`
	// MaxSeverity is a scan's highest severity (summary.maxSeverity).
	MaxSeverity string `json:"max_severity,omitempty"`
	// Payload is zot's data as received.
	Payload json.RawMessage `json:"payload"`
}

// Decode implements adapter.Decoder: a zot delivery is one event.
func (s *Source) Decode(d adapter.Delivery) ([]*adapter.Decoded, error) {
	return adapter.One(s.decode(d))
}

func (s *Source) decode(d adapter.Delivery) (*adapter.Decoded, error) {
	if d.Header.Get("Ce-Specversion") == "" && !isStructured(d.Header.Get("Content-Type")) {
		return nil, adapter.Errorf("ce-specversion", "header is required: zot posts binary-mode CloudEvents (ce-specversion, ce-id, ce-type, ce-time headers and the data as the body)")
	}
	msg := cehttp.NewMessage(d.Header, io.NopCloser(bytes.NewReader(d.Body)))
	ev, err := binding.ToEvent(context.Background(), msg)
	if err != nil {
		// The SDK's errors name no header; these are the ones a sender
		// gets wrong.
		switch {
		case errors.Is(err, binding.ErrUnknownEncoding):
			return nil, adapter.Errorf("ce-specversion", "%q is not a CloudEvents version hubwire reads (1.0, 0.3)", d.Header.Get("Ce-Specversion"))
		case strings.Contains(err.Error(), "time"):
			return nil, adapter.Errorf("ce-time", "not an RFC 3339 time: %v", err)
		}
		return nil, adapter.Errorf("", "not a CloudEvent: %v", err)
	}
	switch {
	case ev.ID() == "":
		return nil, adapter.Errorf("ce-id", "header is required")
	case ev.Type() == "":
		return nil, adapter.Errorf("ce-type", "header is required: zot names its event (zotregistry.image.updated…)")
	case ev.Time().IsZero():
		return nil, adapter.Errorf("ce-time", "header is required: the time of the event, RFC 3339")
	}
	occurred := ev.Time().UTC()
	if y := occurred.Year(); y < 1 || y > 9999 {
		return nil, adapter.Errorf("ce-time", "%s is not a time in years 1 to 9999", occurred)
	}
	k, known := kind(ev.Type())
	if k.Type == "" {
		return nil, adapter.Errorf("ce-type", "%q is not a zot event type (zotregistry.image.updated…)", ev.Type())
	}
	var data eventData
	top, err := adapter.DecodeJSON(ev.Data(), &data)
	if err != nil {
		return nil, err
	}
	if data.Name == "" && known {
		return nil, adapter.Errorf("name", "is required for %s: the repository", ev.Type())
	}
	repo, tag, digest := data.Name, data.Reference, data.Digest
	// A push by digest names the digest as its reference.
	if isDigest(tag) {
		if digest == "" {
			digest = tag
		}
		tag = ""
	}
	namespace, name, nested := strings.Cut(repo, "/")
	if !nested {
		namespace, name = "", repo
	}
	facts := adapter.Facts{
		Registry:   SourceName,
		Repository: repo,
		Namespace:  namespace,
		Name:       name,
		Tag:        tag,
		Digest:     digest,
		Action:     k.Action,
		OccurredAt: occurred,
	}
	if data.Actor != nil {
		facts.Actor = data.Actor.Name
	}
	out := Data{Facts: facts, MediaType: data.MediaType, Payload: top.Payload()}
	if data.Summary != nil {
		out.MaxSeverity = data.Summary.MaxSeverity
	}

	source, subject, partition := "urn:hubwire:zot", "", SourceName
	if repo != "" {
		repoPath := escapePath(repo)
		source += ":" + repoPath
		partition = repo
		switch {
		case tag != "":
			subject = repo + ":" + tag
		case digest != "":
			subject = repo + "@" + digest
		default:
			subject = repo
		}
	}
	e, err := adapter.NewEvent(adapter.Spec{
		// The occurrence (kind, time, repository, reference, digest), not
		// zot's id, a fresh UUID per event.
		ID:           adapter.EventID(SourceName, k.Action, occurred.Format(time.RFC3339Nano), repo, data.Reference, data.Digest),
		Source:       source,
		Type:         k.Type,
		Subject:      subject,
		Schema:       s.schemaBase + k.Schema + ".json",
		PartitionKey: partition,
		Facts:        facts,
		Data:         out,
	})
	if err != nil {
		return nil, err
	}
	e.SetExtension(ExtZotID, ev.ID())
	e.SetExtension(ExtZotSource, ev.Source())
	e.SetExtension(ExtZotType, ev.Type())
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return &adapter.Decoded{
		Event:   e,
		Address: sinks.Address{Source: SourceName, Kind: k.Kind, Namespace: namespace, Name: name},
	}, nil
}

// kind finds the type of zot's CloudEvent type by its ending, whatever
// its prefix; a type of zot's prefix hubwire does not list is typed by its
// own name; any other is none (Type empty).
func kind(ceType string) (adapter.EventType, bool) {
	for _, t := range types {
		if ceType == t.Native || strings.HasSuffix(ceType, "."+t.Action) {
			return t, true
		}
	}
	rest, ok := strings.CutPrefix(ceType, zotPrefix)
	rest = strings.Trim(strings.Join(strings.Fields(rest), "_"), ".")
	if !ok || rest == "" {
		return adapter.EventType{}, false
	}
	return adapter.EventType{Type: typePrefix + rest, Kind: strings.ReplaceAll(rest, ".", "_"), Action: rest, Schema: genericSchema}, false
}

// isDigest reports whether a reference is a digest (algorithm:hex).
func isDigest(ref string) bool {
	alg, hex, ok := strings.Cut(ref, ":")
	return ok && alg != "" && len(hex) >= 32 && strings.Trim(hex, "0123456789abcdef") == ""
}

func isStructured(contentType string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(contentType)), "application/cloudevents+json")
}

// recognizes reports whether a delivery looks like zot's: a binary-mode
// CloudEvent from zot.
func recognizes(d adapter.Delivery) bool {
	return d.Header.Get("Ce-Specversion") != "" && (d.Header.Get("Ce-Source") == eventSource || strings.HasPrefix(d.Header.Get("Ce-Type"), zotPrefix))
}

// escapePath escapes each element of a repository's path, so that source
// stays a URI reference whatever a name holds; the slashes between them
// stay (a %2F would be escaped again by a binary-mode binding).
func escapePath(repo string) string {
	parts := strings.Split(repo, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}
