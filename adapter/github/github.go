// Package github decodes GitHub Packages webhooks (the package event, and
// registry_package, its older name) for container images on ghcr.io into
// CloudEvents.
//
// GitHub names the event in the X-GitHub-Event header, not in the body,
// and sends the JSON either as the body or, when the webhook's content type
// is form, in the form field payload. A multi-arch push is one delivery per
// manifest; the children carry an empty tag. Every field is optional here
// except what an event cannot do without, and every field is kept in
// data.payload.
package github

import (
	"cmp"
	"encoding/json"
	"mime"
	"net/url"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/sinks"
)

// SourceName is the path element of GitHub's webhook URL.
const SourceName = "github"

// formType is the Content-Type of a form-encoded delivery.
const formType = "application/x-www-form-urlencoded"

// The event names GitHub sends in X-GitHub-Event that hubwire reads.
const (
	eventPackage         = "package"
	eventRegistryPackage = "registry_package"
	eventPing            = "ping"
)

// Source decodes GitHub deliveries.
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

// byAction finds a listed event type by GitHub's action.
var byAction = func() map[string]adapter.EventType {
	m := map[string]adapter.EventType{}
	for _, t := range types {
		m[t.Native] = t
	}
	return m
}()

// delivery is the part of a package event hubwire reads; the two event
// names differ only in the key of the package object.
type delivery struct {
	Action          string `json:"action"`
	Package         *pkg   `json:"package"`
	RegistryPackage *pkg   `json:"registry_package"`
	Sender          *login `json:"sender"`
}

type login struct {
	Login string `json:"login"`
}

type pkg struct {
	Name        string   `json:"name"`
	Ecosystem   string   `json:"ecosystem"`
	PackageType string   `json:"package_type"`
	CreatedAt   string   `json:"created_at"`
	UpdatedAt   string   `json:"updated_at"`
	Owner       *login   `json:"owner"`
	Version     *version `json:"package_version"`
}

type version struct {
	Version           string             `json:"version"`
	Name              string             `json:"name"`
	CreatedAt         string             `json:"created_at"`
	UpdatedAt         string             `json:"updated_at"`
	PackageURL        string             `json:"package_url"`
	ContainerMetadata *containerMetadata `json:"container_metadata"`
}

type containerMetadata struct {
	Tag *struct {
		Name   string `json:"name"`
		Digest string `json:"digest"`
	} `json:"tag"`
	Manifest *struct {
		Digest    string `json:"digest"`
		MediaType string `json:"media_type"`
	} `json:"manifest"`
}

// Data is the data of every com.github.package.* event.
type Data struct {
	adapter.Facts
	// Event is the X-GitHub-Event it came as: package or registry_package.
	Event string `json:"event,omitempty"`
	// PackageType is GitHub's package_type (CONTAINER, or docker in older
	// deliveries), or its ecosystem where it sends no package_type.
	PackageType string `json:"package_type,omitempty"`
	// MediaType is the media type of the manifest (an image, an index).
	MediaType string `json:"media_type,omitempty"`
	// PackageURL is the image reference GitHub gives, ending in ':' for an
	// untagged manifest.
	PackageURL string `json:"package_url,omitempty"`
	// Payload is the delivery's JSON as received.
	Payload json.RawMessage `json:"payload"`
}

// Decode implements adapter.Decoder: a package event is one event; a ping
// or any other GitHub event is none.
func (s *Source) Decode(d adapter.Delivery) ([]*adapter.Decoded, error) {
	body := d.Body
	// JSON, as most deliveries say, without parsing the media type.
	if ct := d.Header.Get("Content-Type"); ct != "application/json" && isForm(ct) {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, adapter.Errorf("payload", "the form cannot be read: %v", err)
		}
		if !form.Has("payload") {
			return nil, adapter.Errorf("payload", "is required: a form-encoded GitHub delivery carries its JSON in the form field payload")
		}
		body = []byte(form.Get("payload"))
	}
	if fromGitea(d.Header) {
		// Gitea and Forgejo send GitHub's headers too (X-GitHub-Event
		// empty for packages) and a body much like GitHub's: refused, so
		// that the receiver names where the delivery belongs.
		return nil, adapter.Errorf("X-GitHub-Event", "this delivery comes from Gitea or Forgejo (it carries X-Gitea-Delivery), not from GitHub")
	}
	event := d.Header.Get("X-GitHub-Event")
	switch event {
	case eventPackage, eventRegistryPackage, "":
	default:
		// A ping, or an event of a webhook subscribed to more than
		// packages: nothing to publish, and not the sender's fault.
		return nil, nil
	}
	e, err := s.decode(event, body)
	if err != nil || e == nil {
		return nil, err
	}
	return []*adapter.Decoded{e}, nil
}

// isForm reports whether a Content-Type is the form's.
func isForm(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == formType
}

func (s *Source) decode(event string, body []byte) (*adapter.Decoded, error) {
	var d delivery
	top, err := adapter.DecodeFast(body, &d, s.decodeDelivery)
	if err != nil {
		return nil, err
	}
	if event == "" && top.Get("zen") != nil && top.Get("hook_id") != nil {
		return nil, nil // a ping sent without its header
	}
	// The key follows the event's name; either is read under either name,
	// since both carry the same object.
	p, key := d.Package, eventPackage
	if event == eventRegistryPackage || p == nil {
		if d.RegistryPackage != nil {
			p, key = d.RegistryPackage, eventRegistryPackage
		}
	}
	if p == nil {
		return nil, adapter.Errorf("package", "is required: a GitHub package event describes the package in package (registry_package in older deliveries)")
	}
	if event == "" {
		event = key
	}
	if !isContainer(p) {
		return nil, nil // an npm, Maven, … package: not an image
	}
	if d.Action == "" {
		return nil, adapter.Errorf("action", "is required: published or updated")
	}
	if p.Owner == nil || p.Owner.Login == "" {
		return nil, adapter.Errorf(key+".owner.login", "is required: the owner names the image (ghcr.io/<owner>/<name>)")
	}
	if p.Name == "" {
		return nil, adapter.Errorf(key+".name", "is required: the package's name names the image (ghcr.io/<owner>/<name>)")
	}
	occurred, err := occurredAt(d.Action, p, key)
	if err != nil {
		return nil, err
	}

	// ghcr.io names are lowercase; GitHub keeps the owner's casing.
	namespace, name := strings.ToLower(p.Owner.Login), p.Name
	repository := namespace + "/" + name
	var tag, digest, mediaType, packageURL string
	if v := p.Version; v != nil {
		packageURL = v.PackageURL
		if isDigest(v.Version) {
			digest = v.Version
		} else if isDigest(v.Name) {
			digest = v.Name
		}
		if c := v.ContainerMetadata; c != nil {
			if c.Tag != nil {
				tag = c.Tag.Name
				digest = cmp.Or(digest, c.Tag.Digest)
			}
			if c.Manifest != nil {
				digest = cmp.Or(digest, c.Manifest.Digest)
				mediaType = c.Manifest.MediaType
			}
		}
	}
	t, ok := byAction[d.Action]
	if !ok {
		t = adapter.EventType{Type: typePrefix + d.Action, Kind: "package_" + d.Action, Action: "package." + d.Action, Schema: genericSchema}
	}
	actor := ""
	if d.Sender != nil {
		actor = d.Sender.Login
	}
	facts := adapter.Facts{
		Registry:   SourceName,
		Repository: repository,
		Namespace:  namespace,
		Name:       name,
		Tag:        tag,
		Digest:     digest,
		Actor:      actor,
		Action:     t.Action,
		OccurredAt: occurred,
	}
	subject := repository
	switch {
	case tag != "":
		subject += ":" + tag
	case digest != "":
		subject += "@" + digest
	}
	e, err := adapter.NewEvent(adapter.Spec{
		// Not the event name nor X-GitHub-Delivery: a repository webhook
		// and a GitHub App deliver the same push as package and as
		// registry_package, under different delivery ids. Each manifest
		// of a multi-arch push has its own digest, so its own id.
		ID:           adapter.EventID(SourceName, d.Action, repository, tag, digest, occurred.Format(time.RFC3339Nano)),
		Source:       "https://" + host(packageURL) + "/" + url.PathEscape(namespace) + "/" + escapePath(name),
		Type:         t.Type,
		Subject:      subject,
		Schema:       s.schemaBase + t.Schema + ".json",
		PartitionKey: repository,
		Facts:        facts,
		Data: Data{
			Facts:       facts,
			Event:       event,
			PackageType: cmp.Or(p.PackageType, p.Ecosystem),
			MediaType:   mediaType,
			PackageURL:  packageURL,
			Payload:     top.Payload(),
		},
	})
	if err != nil {
		return nil, err
	}
	return &adapter.Decoded{
		Event:   e,
		Address: sinks.Address{Source: SourceName, Kind: t.Kind, Namespace: namespace, Name: name},
	}, nil
}

// isContainer reports whether a package is a container image: its
// package_type or ecosystem is CONTAINER (real deliveries) or docker (older
// examples), or it names neither.
func isContainer(p *pkg) bool {
	if p.PackageType == "" && p.Ecosystem == "" {
		return true
	}
	for _, s := range []string{p.PackageType, p.Ecosystem} {
		if strings.EqualFold(s, "container") || strings.EqualFold(s, "docker") {
			return true
		}
	}
	return false
}

// occurredAt is when the action happened: the version's time for its
// action (GitHub sends 0001-01-01 where it has none), else the package's.
func occurredAt(action string, p *pkg, key string) (time.Time, error) {
	var candidates []string
	if v := p.Version; v != nil {
		if action == "published" {
			candidates = append(candidates, v.CreatedAt, v.UpdatedAt)
		} else {
			candidates = append(candidates, v.UpdatedAt, v.CreatedAt)
		}
	}
	candidates = append(candidates, p.UpdatedAt, p.CreatedAt)
	for _, c := range candidates {
		if t, err := time.Parse(time.RFC3339Nano, c); err == nil && t.Year() > 1 {
			return t.UTC(), nil
		}
	}
	if p.UpdatedAt != "" {
		return time.Time{}, adapter.Errorf(key+".updated_at", "%q is not an RFC 3339 time", p.UpdatedAt)
	}
	return time.Time{}, adapter.Errorf(key+".updated_at", "is required: the time of the event, RFC 3339")
}

// host is the registry host of a package_url (ghcr.io/owner/name:tag), or
// ghcr.io where it names none that is plainly a host name.
func host(packageURL string) string {
	h, _, ok := strings.Cut(packageURL, "/")
	if !ok || h == "" || !strings.Contains(h, ".") {
		return "ghcr.io"
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == ':') {
			return "ghcr.io"
		}
	}
	return strings.ToLower(h)
}

// escapePath escapes each /-separated part of a package name, which may
// hold slashes (repositoryname/frontend), so that source stays a URI.
func escapePath(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// isDigest tells a manifest digest (sha256:…) from a version name.
func isDigest(s string) bool {
	alg, hex, ok := strings.Cut(s, ":")
	return ok && alg != "" && hex != "" && !strings.ContainsAny(s, "/ ")
}
