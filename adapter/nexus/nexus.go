// Package nexus decodes Sonatype Nexus Repository 3 webhooks into
// CloudEvents: the repository webhooks' component and asset events, and
// the global webhooks' (repository, audit) under their own names.
//
// Nexus names the kind of event in the X-Nexus-Webhook-ID header
// (rm:repository:component, rm:repository:asset, …) and what happened in
// the body's action (CREATED, UPDATED, DELETED). For a Docker repository a
// component is an image's tag (name org/app, version 1.0) and its assets
// are the manifests and blobs (v2/org/app/manifests/1.0). Nexus 3.70 and
// later send one CREATED and many UPDATED deliveries for one upload; the
// UPDATED deliveries of one component or asset within the same minute get
// one id, so the broker keeps the first and drops the rest. Nexus does not
// retry.
package nexus

import (
	"cmp"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/sinks"
)

// SourceName is the path element of Nexus's webhook URL.
const SourceName = "nexus"

// Source decodes Nexus deliveries.
type Source struct {
	schemaBase string
	// now times the events that carry no timestamp (audit events).
	now func() time.Time
}

// New returns a decoder whose events point their dataschema at the schemas
// served under schemaBase (for example http://127.0.0.1:8080/schemas/).
func New(schemaBase string) *Source {
	return &Source{schemaBase: schemaBase, now: time.Now}
}

// body is what hubwire reads of a delivery; the rest is kept in
// data.payload.
type body struct {
	Timestamp      string     `json:"timestamp"`
	NodeID         string     `json:"nodeId"`
	Initiator      string     `json:"initiator"`
	RepositoryName string     `json:"repositoryName"`
	Action         string     `json:"action"`
	Component      *Component `json:"component"`
	Asset          *Asset     `json:"asset"`
	Repository     *struct {
		Name string `json:"name"`
	} `json:"repository"`
	Audit *struct {
		Domain string `json:"domain"`
		Type   string `json:"type"`
	} `json:"audit"`
}

// Component is a Nexus component: for Docker, an image's tag.
type Component struct {
	ID          string `json:"id,omitempty"`
	ComponentID string `json:"componentId,omitempty"`
	Format      string `json:"format,omitempty"`
	Group       string `json:"group,omitempty"`
	Name        string `json:"name,omitempty"`
	Version     string `json:"version,omitempty"`
}

// Asset is a Nexus asset: for Docker, a manifest or a blob.
type Asset struct {
	ID      string `json:"id,omitempty"`
	AssetID string `json:"assetId,omitempty"`
	Format  string `json:"format,omitempty"`
	Name    string `json:"name,omitempty"`
}

// Data is the data of every com.sonatype.nexus.* event; which of the
// optional parts are present depends on the type (see the type's JSON
// Schema).
type Data struct {
	adapter.Facts
	// Webhook is the X-Nexus-Webhook-ID the event came under.
	Webhook string `json:"webhook"`
	// NexusRepository is the Nexus repository (repositoryName), which for
	// Docker serves the images on a port or host of its own.
	NexusRepository string `json:"nexus_repository,omitempty"`
	// NodeID is the Nexus node that sent it.
	NodeID string `json:"node_id,omitempty"`
	// Component is the component of a component event.
	Component *Component `json:"component,omitempty"`
	// Asset is the asset of an asset event.
	Asset *Asset `json:"asset,omitempty"`
	// Payload is the delivery as received.
	Payload json.RawMessage `json:"payload"`
}

// Decode implements adapter.Decoder: every delivery is one event.
func (s *Source) Decode(d adapter.Delivery) ([]*adapter.Decoded, error) {
	return adapter.One(s.decode(d.Header.Get("X-Nexus-Webhook-ID"), d.Body))
}

func (s *Source) decode(webhook string, raw []byte) (*adapter.Decoded, error) {
	var b body
	top, err := adapter.DecodeJSON(raw, &b)
	if err != nil {
		return nil, err
	}
	if webhook == "" {
		// A proxy that drops the header: the body still says.
		switch {
		case b.Component != nil:
			webhook = webhookComponent
		case b.Asset != nil:
			webhook = webhookAsset
		default:
			return nil, adapter.Errorf("X-Nexus-Webhook-ID", "is required: Nexus names the kind of event in this header (rm:repository:component, rm:repository:asset, …)")
		}
	}
	kind := kindOf(webhook)
	action := strings.ToLower(b.Action)
	if b.Audit != nil && action == "" {
		action = b.Audit.Type
	}
	var k adapter.EventType
	known := false
	if kind == "component" || kind == "asset" {
		if b.Action == "" {
			return nil, adapter.Errorf("action", "is required: CREATED, UPDATED or DELETED")
		}
		if kind == "component" && b.Component == nil {
			return nil, adapter.Errorf("component", "is required: a %s delivery describes the component", webhook)
		}
		if kind == "asset" && b.Asset == nil {
			return nil, adapter.Errorf("asset", "is required: a %s delivery describes the asset", webhook)
		}
		k, known = byKind[kind+"."+action]
	}
	if !known {
		a := token(kind)
		if action != "" {
			a += "." + token(action)
		}
		k = adapter.EventType{Type: typePrefix + a, Kind: strings.ReplaceAll(a, ".", "_"), Action: a, Schema: genericSchema}
	}
	occurred, err := s.occurredAt(b.Timestamp, kind == "component" || kind == "asset")
	if err != nil {
		return nil, err
	}

	// What the event is about: an image, for a Docker component or
	// manifest; else the component in its Nexus repository
	// (maven-releases/org.acme/app), or for an asset that belongs to no
	// image (a Docker blob, an npm tarball) the Nexus repository itself.
	var repository, tag, digest, about string // about: an event of no repository
	var entity []string
	entityEvent := kind == "component" || kind == "asset"
	if entityEvent && b.RepositoryName == "" {
		return nil, adapter.Errorf("repositoryName", "is required: the Nexus repository the %s is in", kind)
	}
	switch {
	case kind == "component":
		c := b.Component
		entity = []string{c.ID, c.ComponentID, c.Group, c.Name, c.Version}
		if strings.EqualFold(c.Format, "docker") && c.Name != "" {
			repository = c.Name
		} else {
			repository = join("/", b.RepositoryName, c.Group, c.Name)
		}
		tag = c.Version
		if isDigest(tag) {
			tag, digest = "", tag
		}
	case kind == "asset":
		a := b.Asset
		entity = []string{a.ID, a.AssetID, a.Name}
		if strings.EqualFold(a.Format, "docker") {
			repository, tag, digest = dockerAsset(a.Name)
		}
		if repository == "" {
			repository = b.RepositoryName
		}
	case b.Repository != nil:
		about = b.Repository.Name
	}
	namespace, name, nested := strings.Cut(repository, "/")
	if !nested {
		namespace, name = "", repository
	}
	actor, _, _ := strings.Cut(b.Initiator, "/")
	facts := adapter.Facts{
		Registry:   SourceName,
		Repository: repository,
		Namespace:  namespace,
		Name:       name,
		Tag:        tag,
		Digest:     digest,
		Actor:      actor,
		Action:     k.Action,
		OccurredAt: occurred,
	}
	data := Data{Facts: facts, Webhook: webhook, NexusRepository: b.RepositoryName, NodeID: b.NodeID, Payload: top.Payload()}
	if kind == "component" {
		data.Component = b.Component
	}
	if kind == "asset" {
		data.Asset = b.Asset
	}

	source := "urn:hubwire:nexus"
	switch {
	case repository != "" && (repository == b.RepositoryName || strings.HasPrefix(repository, b.RepositoryName+"/")):
		source += ":" + escapePath(repository)
	case repository != "":
		source += ":" + url.PathEscape(b.RepositoryName) + "/" + escapePath(repository)
	case b.RepositoryName != "":
		source += ":" + url.PathEscape(b.RepositoryName)
	}
	subject, partition := about, cmp.Or(b.RepositoryName, about, SourceName)
	if repository != "" {
		subject, partition = repository, repository
		switch {
		case tag != "":
			subject += ":" + tag
		case digest != "":
			subject += "@" + digest
		}
	}

	e, err := adapter.NewEvent(adapter.Spec{
		ID:           s.id(webhook, b, entity, occurred, raw),
		Source:       source,
		Type:         k.Type,
		Subject:      subject,
		Schema:       s.schemaBase + k.Schema + ".json",
		PartitionKey: partition,
		Facts:        facts,
		Data:         data,
	})
	if err != nil {
		return nil, err
	}
	return &adapter.Decoded{
		Event:   e,
		Address: sinks.Address{Source: SourceName, Kind: k.Kind, Namespace: namespace, Name: name},
	}, nil
}

// id names the occurrence. A component or asset event is the entity, the
// action and the time; the time of an UPDATED is its minute, so that the
// burst Nexus sends for one upload (one CREATED, then UPDATED after
// UPDATED within seconds) is stored as one CREATED and one UPDATED, while
// a later update is an event of its own. Other events (repository, audit)
// are their delivery as sent.
func (s *Source) id(webhook string, b body, entity []string, occurred time.Time, raw []byte) string {
	if entity == nil {
		return adapter.EventID(SourceName, webhook, b.Action, b.Timestamp, string(raw))
	}
	when := b.Timestamp
	if strings.EqualFold(b.Action, "UPDATED") {
		when = occurred.Truncate(time.Minute).Format(time.RFC3339)
	}
	return adapter.EventID(append([]string{SourceName, webhook, strings.ToUpper(b.Action), b.RepositoryName, when}, entity...)...)
}

// timeLayouts are the ways a Nexus timestamp is written: Java's ISO form
// with a +0000 offset, and RFC 3339.
var timeLayouts = []string{"2006-01-02T15:04:05.999999999-0700", "2006-01-02T15:04:05-0700", time.RFC3339Nano}

// occurredAt reads the timestamp, which component and asset events must
// have; other events without one are timed when hubwire received them.
func (s *Source) occurredAt(ts string, required bool) (time.Time, error) {
	if ts == "" {
		if required {
			return time.Time{}, adapter.Errorf("timestamp", "is required: the time of the event (2016-11-10T23:57:49.664+0000)")
		}
		return s.now().UTC(), nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, ts); err == nil {
			if y := t.UTC().Year(); y < 1 || y > 9999 {
				return time.Time{}, adapter.Errorf("timestamp", "%q is not a time in years 1 to 9999", ts)
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, adapter.Errorf("timestamp", "%q is not a time like 2016-11-10T23:57:49.664+0000", ts)
}

// kindOf is the kind a webhook id names: its last segment
// (rm:repository:component → component; rm:audit → audit).
func kindOf(webhook string) string {
	return webhook[strings.LastIndexByte(webhook, ':')+1:]
}

// dockerAsset reads a Docker asset's name: v2/<image>/manifests/<tag or
// digest>, v2/<image>/blobs/<digest> (v2/-/blobs/… for a blob of no one
// image).
func dockerAsset(name string) (repository, tag, digest string) {
	rest, ok := strings.CutPrefix(strings.TrimPrefix(name, "/"), "v2/")
	if !ok {
		return "", "", ""
	}
	for _, sep := range []string{"/manifests/", "/blobs/"} {
		if i := strings.LastIndex(rest, sep); i > 0 {
			repository, ref := rest[:i], rest[i+len(sep):]
			if repository == "-" {
				repository = ""
			}
			if isDigest(ref) {
				return repository, "", ref
			}
			if sep == "/blobs/" {
				return repository, "", ""
			}
			return repository, ref, ""
		}
	}
	return "", "", ""
}

// isDigest tells a digest (sha256:…) from a tag, which holds no colon.
func isDigest(s string) bool {
	alg, hex, ok := strings.Cut(s, ":")
	return ok && alg != "" && hex != ""
}

func join(sep string, parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

// escapePath escapes each /-separated part of a name, so that the source
// stays a URI reference.
func escapePath(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// token makes a kind or action a safe part of a type name: lowercase,
// with what is not a letter, digit, _ or - as _; "event" for nothing.
func token(s string) string {
	if s == "" {
		return "event"
	}
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}
