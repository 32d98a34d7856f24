// Package quay decodes Quay (quay.io, Project Quay, Red Hat Quay)
// notifications into CloudEvents: repository pushes, the five build
// events and found vulnerabilities, and Quay's other kinds with a generic
// schema.
//
// Quay's request names neither its kind nor its time: the body is the
// event's data alone. The kind is the ?event= of the URL the user gave
// the notification (one notification per kind); the time is when hubwire
// received it, since Quay sends within seconds and says nothing better.
// Quay disables a notification after three failed deliveries, so a
// delivery is refused (400) only when it cannot be read: a wrong or
// missing ?event=, a body that is not a JSON object, a repository event
// without its repository.
package quay

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/internal/rawjson"
	"github.com/hubwire/hubwire/sinks"
)

// SourceName is the path element of Quay's webhook URL.
const SourceName = "quay"

// Source decodes Quay deliveries.
type Source struct {
	schemaBase string
	// now is the clock that times the events, since Quay sends no time.
	now func() time.Time
}

// New returns a decoder whose events point their dataschema at the schemas
// served under schemaBase (for example http://127.0.0.1:8080/schemas/).
func New(schemaBase string) *Source {
	return &Source{schemaBase: schemaBase, now: time.Now}
}

// byNative finds an event type by Quay's name of its kind.
var byNative = func() map[string]adapter.EventType {
	m := map[string]adapter.EventType{}
	for _, t := range types {
		m[t.Native] = t
	}
	return m
}()

// body holds the members hubwire reads. Those an event cannot do without
// are typed; the rest are kept raw and read leniently, so that a member of
// an unexpected type costs that fact, not the delivery.
type body struct {
	Repository  rawjson.Text    `json:"repository"`
	Namespace   rawjson.Text    `json:"namespace"`
	Name        rawjson.Text    `json:"name"`
	DockerURL   json.RawMessage `json:"docker_url"`
	Homepage    json.RawMessage `json:"homepage"`
	UpdatedTags json.RawMessage `json:"updated_tags"`

	BuildID         json.RawMessage `json:"build_id"`
	BuildName       json.RawMessage `json:"build_name"`
	DockerTags      json.RawMessage `json:"docker_tags"`
	TriggerKind     json.RawMessage `json:"trigger_kind"`
	TriggerID       json.RawMessage `json:"trigger_id"`
	TriggerMetadata json.RawMessage `json:"trigger_metadata"`
	IsManual        json.RawMessage `json:"is_manual"`
	ManualUser      json.RawMessage `json:"manual_user"`
	ImageID         json.RawMessage `json:"image_id"`
	ManifestDigests json.RawMessage `json:"manifest_digests"`
	ErrorMessage    json.RawMessage `json:"error_message"`

	Tags          json.RawMessage `json:"tags"`
	Vulnerability json.RawMessage `json:"vulnerability"`

	Message json.RawMessage `json:"message"`
}

// Data is the data of every io.quay.* event; which of the optional parts
// are present depends on the type (see the type's JSON Schema).
type Data struct {
	adapter.Facts
	// DockerURL is the repository's pull reference (quay.io/ns/name).
	DockerURL string `json:"docker_url,omitempty"`
	// Homepage is the repository's (or the build's) page on Quay.
	Homepage string `json:"homepage,omitempty"`
	// ImageID is the image the tag points at, in legacy pushes only
	// (updated_tags as {tag: image id}).
	ImageID string `json:"image_id,omitempty"`
	// Tags are the tags (or digests) a found vulnerability affects.
	Tags []string `json:"tags,omitempty"`
	// Build describes the build of a build event.
	Build *Build `json:"build,omitempty"`
	// Vulnerability is the vulnerability found.
	Vulnerability *Vulnerability `json:"vulnerability,omitempty"`
	// Message is what a mirror sync says of itself.
	Message string `json:"message,omitempty"`
	// Payload is the delivery as received.
	Payload json.RawMessage `json:"payload"`
}

// Build describes a Quay build.
type Build struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
	// Tags are the tags the build pushes (docker_tags).
	Tags        []string `json:"tags,omitempty"`
	TriggerKind string   `json:"trigger_kind,omitempty"`
	TriggerID   string   `json:"trigger_id,omitempty"`
	Commit      string   `json:"commit,omitempty"`
	Ref         string   `json:"ref,omitempty"`
	// Manual says whether someone started the build by hand (queued only).
	Manual *bool  `json:"manual,omitempty"`
	Image  string `json:"image_id,omitempty"`
	// ManifestDigests are the references of what a successful build
	// pushed (quay.io/ns/name@sha256:…).
	ManifestDigests []string `json:"manifest_digests,omitempty"`
	// Error is why a build failed.
	Error string `json:"error,omitempty"`
}

// Vulnerability is one vulnerability Quay's security scanner found.
type Vulnerability struct {
	ID          string `json:"id,omitempty"`
	Description string `json:"description,omitempty"`
	Link        string `json:"link,omitempty"`
	Priority    string `json:"priority,omitempty"`
	HasFix      *bool  `json:"has_fix,omitempty"`
}

// kind is what ?event= says the delivery is: a typed kind, or one of
// otherKinds.
type kind struct {
	native, ceType, kind, action, schema string
}

func kindOf(event string) (kind, error) {
	if t, ok := byNative[event]; ok {
		return kind{t.Native, t.Type, t.Kind, t.Action, t.Schema}, nil
	}
	if slices.Contains(otherKinds, event) {
		return kind{event, genericPrefix + event, event, event, genericSchema}, nil
	}
	all := strings.Join(append(kindNames(types), otherKinds...), ", ")
	if event == "" {
		return kind{}, adapter.Errorf("event", "is required: Quay's request does not say its kind, so give each Quay notification its own webhook URL ending in ?event=<kind>, one of %s", all)
	}
	return kind{}, adapter.Errorf("event", "unknown Quay notification kind %q; the webhook URL's ?event= names one of %s", event, all)
}

// Decode implements adapter.Decoder: a repository push makes one event
// per tag pushed (one without a tag when Quay names none), every other
// kind one event.
func (s *Source) Decode(d adapter.Delivery) ([]*adapter.Decoded, error) {
	k, err := kindOf(d.Query.Get("event"))
	if err != nil {
		return nil, err
	}
	var b body
	top, err := adapter.DecodeJSON(d.Body, &b)
	if err != nil {
		return nil, err
	}
	payload := top.Payload()
	ev := occurrence{k: k, payload: payload, at: s.now().UTC()}
	ev.facts = adapter.Facts{Registry: SourceName, Action: k.action, OccurredAt: ev.at}
	ev.data = Data{DockerURL: str(b.DockerURL), Homepage: str(b.Homepage), Payload: payload}

	namespace, name := repoName(string(b.Repository), string(b.Namespace), string(b.Name))
	quota := strings.HasPrefix(k.native, "quota_")
	switch {
	case quota:
		// About a namespace: its name is all Quay says.
		namespace, name = string(b.Namespace), ""
	case namespace == "" && k.schema != genericSchema:
		return nil, adapter.Errorf("repository", "is required for %s: the repository as namespace/name", k.native)
	}
	ev.facts.Namespace, ev.facts.Name = namespace, name
	if namespace != "" && name != "" {
		ev.facts.Repository = namespace + "/" + name
	}
	ev.host = host(ev.data.DockerURL, ev.data.Homepage)

	switch {
	case k.native == "repo_push":
		return s.pushes(ev, b.UpdatedTags)
	case strings.HasPrefix(k.native, "build_"):
		build := readBuild(b)
		ev.data.Build = build
		ev.facts.Actor = buildActor(b)
		if len(build.ManifestDigests) == 1 {
			_, ev.facts.Digest, _ = strings.Cut(build.ManifestDigests[0], "@")
		}
		ev.idParts = []string{build.ID}
		if build.ID == "" {
			ev.idParts = []string{string(payload)}
		}
	case k.native == "vulnerability_found":
		ev.data.Tags = strs(b.Tags)
		ev.data.Vulnerability = readVulnerability(b.Vulnerability)
		// A manifest without tags is named by its digest.
		if len(ev.data.Tags) == 1 {
			if t := ev.data.Tags[0]; strings.HasPrefix(t, "sha256:") {
				ev.facts.Digest = t
			} else {
				ev.facts.Tag = t
			}
		}
		// Quay sends one notification per vulnerability: the repository,
		// the tags and the vulnerability name the occurrence.
		ev.idParts = append([]string{ev.facts.Repository, ev.data.Vulnerability.ID}, ev.data.Tags...)
		if ev.data.Vulnerability.ID == "" {
			ev.idParts = []string{string(payload)}
		}
	default:
		ev.data.Message = str(b.Message)
		ev.idParts = []string{string(payload)}
	}
	return adapter.One(s.event(ev))
}

// occurrence is what Decode knows of one event before it is built.
type occurrence struct {
	k       kind
	facts   adapter.Facts
	data    Data
	payload json.RawMessage
	at      time.Time
	host    string
	// idParts identify the occurrence beside its kind.
	idParts []string
}

// pushes makes one event per tag of updated_tags: a list today, an object
// {tag: image id} in old deliveries. A tag that is not a string is
// rejected beside the others.
func (s *Source) pushes(ev occurrence, raw json.RawMessage) ([]*adapter.Decoded, error) {
	type tag struct{ name, image string }
	var tags []tag
	var rejected []adapter.RejectedElement
	switch t := strings.TrimSpace(string(raw)); {
	case t == "" || t == "null":
	case t[0] == '[':
		var list []json.RawMessage
		json.Unmarshal(raw, &list) // valid JSON: DecodeJSON read it
		for i, v := range list {
			var name string
			if json.Unmarshal(v, &name) != nil || name == "" {
				rejected = append(rejected, adapter.RejectedElement{Index: i, Field: fmt.Sprintf("updated_tags[%d]", i), Error: fmt.Sprintf("updated_tags[%d]: a tag must be a non-empty string, not %s", i, v)})
				continue
			}
			tags = append(tags, tag{name: name})
		}
	case t[0] == '{':
		// Kept in the order sent, which is the order the tags were named.
		r := rawjson.JSONReader{In: raw}
		r.SkipSpace()
		for _, m := range r.Members(nil) {
			tags = append(tags, tag{name: string(m.Key), image: str(m.Value)})
		}
	default:
		return nil, adapter.Errorf("updated_tags", "must be a list of tags (or, in old deliveries, an object {tag: image id}), not %s", t)
	}
	if len(tags) == 0 && len(rejected) == 0 {
		tags = []tag{{}}
	}
	out := make([]*adapter.Decoded, 0, len(tags))
	for _, t := range tags {
		one := ev
		one.facts.Tag = t.name
		one.data.ImageID = t.image
		one.idParts = []string{one.facts.Repository, t.name, t.image}
		d, err := s.event(one)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if len(rejected) > 0 {
		return out, &adapter.Rejected{Elements: rejected}
	}
	return out, nil
}

// event builds the CloudEvent of ev.
func (s *Source) event(ev occurrence) (*adapter.Decoded, error) {
	f := ev.facts
	ev.data.Facts = f
	source, subject, partition := "urn:hubwire:quay", f.Namespace, f.Namespace
	path := url.PathEscape(f.Namespace)
	if f.Repository != "" {
		path += "/" + url.PathEscape(f.Name)
		partition = f.Repository
		switch {
		case f.Tag != "":
			subject = f.Repository + ":" + f.Tag
		case f.Digest != "":
			subject = f.Repository + "@" + f.Digest
		default:
			subject = f.Repository
		}
	}
	// Escaped so that source stays a URI reference whatever a name holds.
	switch {
	case ev.host != "" && path != "":
		source += ":" + url.PathEscape(ev.host) + "/" + path
	case path != "":
		source += ":" + path
	}
	if partition == "" {
		partition = SourceName
	}
	// The kind and what identifies the occurrence, never the time: Quay
	// sends none, and a redelivery must get the id of the first.
	id := adapter.EventID(append([]string{SourceName, ev.k.native}, ev.idParts...)...)
	e, err := adapter.NewEvent(adapter.Spec{
		ID:           id,
		Source:       source,
		Type:         ev.k.ceType,
		Subject:      subject,
		Schema:       s.schemaBase + ev.k.schema + ".json",
		PartitionKey: partition,
		Facts:        f,
		Data:         ev.data,
	})
	if err != nil {
		return nil, err
	}
	addr := sinks.Address{Source: SourceName, Kind: ev.k.kind, Namespace: f.Namespace, Name: f.Name}
	return &adapter.Decoded{Event: e, Address: addr}, nil
}

// repoName splits repository ("ns/name"), which Quay's code fills from the
// repository itself, rather than trusting name: Quay's own documentation
// shows "name": "repository" beside "repository": "dgangaia/test". The
// separate members serve when repository is missing.
func repoName(repository, namespace, name string) (string, string) {
	if ns, n, ok := strings.Cut(repository, "/"); ok && ns != "" && n != "" {
		return ns, n
	}
	if namespace != "" && name != "" {
		return namespace, name
	}
	return "", ""
}

// host is the registry's host: docker_url's first element
// (quay.io/ns/name), else homepage's host.
func host(dockerURL, homepage string) string {
	if h, _, ok := strings.Cut(dockerURL, "/"); ok && h != "" {
		return h
	}
	if u, err := url.Parse(homepage); err == nil {
		return u.Host
	}
	return ""
}

func readBuild(b body) *Build {
	var meta struct {
		Commit json.RawMessage `json:"commit"`
		Ref    json.RawMessage `json:"ref"`
	}
	rawjson.Unmarshal(b.TriggerMetadata, &meta)
	build := &Build{
		ID:              str(b.BuildID),
		Name:            str(b.BuildName),
		Tags:            strs(b.DockerTags),
		TriggerKind:     str(b.TriggerKind),
		TriggerID:       str(b.TriggerID),
		Commit:          str(meta.Commit),
		Ref:             str(meta.Ref),
		Image:           str(b.ImageID),
		ManifestDigests: strs(b.ManifestDigests),
		Error:           str(b.ErrorMessage),
	}
	build.Manual = boolean(b.IsManual)
	return build
}

// buildActor is who started the build by hand, else the author of the
// commit that triggered it.
func buildActor(b body) string {
	if u := str(b.ManualUser); u != "" {
		return u
	}
	var meta struct {
		CommitInfo struct {
			Author struct {
				Username json.RawMessage `json:"username"`
			} `json:"author"`
		} `json:"commit_info"`
	}
	rawjson.Unmarshal(b.TriggerMetadata, &meta)
	return str(meta.CommitInfo.Author.Username)
}

func readVulnerability(raw json.RawMessage) *Vulnerability {
	var v struct {
		ID          json.RawMessage `json:"id"`
		Description json.RawMessage `json:"description"`
		Link        json.RawMessage `json:"link"`
		Priority    json.RawMessage `json:"priority"`
		HasFix      json.RawMessage `json:"has_fix"`
	}
	rawjson.Unmarshal(raw, &v)
	return &Vulnerability{ID: str(v.ID), Description: str(v.Description), Link: str(v.Link), Priority: str(v.Priority), HasFix: boolean(v.HasFix)}
}

// str is raw's string value; "" for anything else.
func str(raw json.RawMessage) string {
	var s string
	json.Unmarshal(raw, &s)
	return s
}

// strs are the non-empty strings of a list, the rest skipped.
func strs(raw json.RawMessage) []string {
	var list []json.RawMessage
	json.Unmarshal(raw, &list)
	var out []string
	for _, v := range list {
		if s := str(v); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// boolean is raw's value when it is true or false; nil for anything else.
func boolean(raw json.RawMessage) *bool {
	var b bool
	switch string(raw) {
	case "true":
		b = true
	case "false":
	default:
		return nil
	}
	return &b
}
