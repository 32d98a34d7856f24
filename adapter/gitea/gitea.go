// Package gitea decodes the package webhooks of Gitea and Forgejo (and so
// Codeberg) into CloudEvents: container images pushed and deleted as image
// events, every other package (npm, Maven, …) as package events.
//
// Gitea names the event in X-Gitea-Event-Type (X-Forgejo-Event-Type);
// for package events X-Gitea-Event and the GitHub-style X-GitHub-Event it
// also sends are empty, so a delivery is Gitea's by its X-Gitea-Delivery,
// never by the GitHub headers. The body is {action, repository, package,
// organization, sender}, as JSON or in the form field payload. A push
// notifies once for each manifest (the tag, and each platform's manifest
// under its digest). Gitea does not retry.
package gitea

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/sinks"
)

// SourceName is the path element of Gitea's webhook URL.
const SourceName = "gitea"

// eventPackage is the event type of package webhooks.
const eventPackage = "package"

// Source decodes Gitea and Forgejo deliveries.
type Source struct {
	schemaBase string
	// now times deletions, whose delivery says when the version was
	// made, not when it was deleted.
	now func() time.Time
}

// New returns a decoder whose events point their dataschema at the schemas
// served under schemaBase (for example http://127.0.0.1:8080/schemas/).
func New(schemaBase string) *Source {
	return &Source{schemaBase: schemaBase, now: time.Now}
}

// delivery is what hubwire reads of a package event; the rest is kept in
// data.payload.
type delivery struct {
	Action  string `json:"action"`
	Package *struct {
		ID    json.Number `json:"id"`
		Owner *user       `json:"owner"`
		Type  string      `json:"type"`
		Name  string      `json:"name"`
		// Version is an image's tag, or its digest for an untagged
		// manifest.
		Version   string `json:"version"`
		HTMLURL   string `json:"html_url"`
		CreatedAt string `json:"created_at"`
	} `json:"package"`
	Sender *user `json:"sender"`
}

type user struct {
	Login string `json:"login"`
}

// Data is the data of every io.gitea.* event.
type Data struct {
	adapter.Facts
	// PackageType is the package's type: container, npm, maven, ….
	PackageType string `json:"package_type"`
	// Version is the package version: an image's tag or digest, another
	// package's version.
	Version string `json:"version,omitempty"`
	// Host is the Gitea or Forgejo host, from the package's html_url.
	Host string `json:"host,omitempty"`
	// HTMLURL is the version's page.
	HTMLURL string `json:"html_url,omitempty"`
	// Payload is the delivery's JSON as received.
	Payload json.RawMessage `json:"payload"`
}

// eventHeaders name the event, the first that is not empty: Gitea's,
// Forgejo's, and the older names Gitea fills for other events.
var eventHeaders = []string{"X-Gitea-Event-Type", "X-Forgejo-Event-Type", "X-Gitea-Event", "X-Forgejo-Event", "X-Gogs-Event"}

// Decode implements adapter.Decoder: a package event is one event; any
// other event the webhook may send (push, issues, …) is none.
func (s *Source) Decode(d adapter.Delivery) ([]*adapter.Decoded, error) {
	event := ""
	for _, h := range eventHeaders {
		if event = d.Header.Get(h); event != "" {
			break
		}
	}
	if event == "" {
		return nil, adapter.Errorf("X-Gitea-Event-Type", "is required: Gitea and Forgejo name the event in it (package)")
	}
	if event != eventPackage {
		return nil, nil // not the sender's fault: a webhook subscribed to more than packages
	}
	body := d.Body
	if mt, _, err := mime.ParseMediaType(d.Header.Get("Content-Type")); err == nil && mt == formType {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, adapter.Errorf("payload", "the form cannot be read: %v", err)
		}
		if !form.Has("payload") {
			return nil, adapter.Errorf("payload", "is required: a form-encoded Gitea delivery carries its JSON in the form field payload")
		}
		body = []byte(form.Get("payload"))
	}
	return adapter.One(s.decode(body))
}

func (s *Source) decode(body []byte) (*adapter.Decoded, error) {
	var d delivery
	top, err := adapter.DecodeJSON(body, &d)
	if err != nil {
		return nil, err
	}
	if d.Action == "" {
		return nil, adapter.Errorf("action", "is required: created or deleted")
	}
	p := d.Package
	if p == nil {
		return nil, adapter.Errorf("package", "is required: a package event describes the package version")
	}
	if p.Owner == nil || p.Owner.Login == "" {
		return nil, adapter.Errorf("package.owner.login", "is required: the owner names the package (<host>/<owner>/<name>)")
	}
	if p.Name == "" {
		return nil, adapter.Errorf("package.name", "is required")
	}
	if p.Type == "" {
		return nil, adapter.Errorf("package.type", "is required: container for an image, else npm, maven, …")
	}
	image := strings.EqualFold(p.Type, containerType)
	class := "package"
	if image {
		class = "image"
	}
	action := class + "." + token(d.Action)
	k, ok := byAction[action]
	if !ok {
		k = adapter.EventType{Type: typePrefix + action, Kind: strings.ReplaceAll(action, ".", "_"), Action: action, Schema: genericSchema}
	}
	var occurred time.Time
	if p.CreatedAt != "" {
		t, err := time.Parse(time.RFC3339Nano, p.CreatedAt)
		if err != nil || t.UTC().Year() < 1 || t.UTC().Year() > 9999 {
			return nil, adapter.Errorf("package.created_at", "%q is not an RFC 3339 time", p.CreatedAt)
		}
		occurred = t.UTC()
	}
	if d.Action != "created" || occurred.IsZero() {
		// created_at is when the version was made: the time of a
		// creation, not of a deletion.
		occurred = s.now().UTC()
	}

	owner, name := p.Owner.Login, p.Name
	if image {
		owner = strings.ToLower(owner) // image references are lowercase, as Gitea serves them
	}
	repository := owner + "/" + name
	tag, digest := p.Version, ""
	if image && isDigest(p.Version) {
		tag, digest = "", p.Version
	}
	actor := ""
	if d.Sender != nil {
		actor = d.Sender.Login
	}
	host := hostOf(p.HTMLURL)
	facts := adapter.Facts{
		Registry:   SourceName,
		Repository: repository,
		Namespace:  owner,
		Name:       name,
		Tag:        tag,
		Digest:     digest,
		Actor:      actor,
		Action:     k.Action,
		OccurredAt: occurred,
	}
	path := url.PathEscape(owner) + "/" + escapePath(name)
	if !image {
		path = url.PathEscape(owner) + "/-/packages/" + url.PathEscape(strings.ToLower(p.Type)) + "/" + escapePath(name)
	}
	source := "urn:hubwire:gitea:" + path
	if host != "" {
		source = "https://" + host + "/" + path
	}
	subject := repository
	switch {
	case tag != "":
		subject += ":" + tag
	case digest != "":
		subject += "@" + digest
	}
	e, err := adapter.NewEvent(adapter.Spec{
		// The version and when it was made, not X-Gitea-Delivery (a new
		// id each time): a repository's and an organization's webhook
		// that both see a push store it once.
		ID:           adapter.EventID(SourceName, d.Action, host, p.Type, p.Owner.Login, p.Name, p.Version, p.ID.String(), p.CreatedAt),
		Source:       source,
		Type:         k.Type,
		Subject:      subject,
		Schema:       s.schemaBase + k.Schema + ".json",
		PartitionKey: repository,
		Facts:        facts,
		Data: Data{
			Facts:       facts,
			PackageType: p.Type,
			Version:     p.Version,
			Host:        host,
			HTMLURL:     p.HTMLURL,
			Payload:     top.Payload(),
		},
	})
	if err != nil {
		return nil, err
	}
	return &adapter.Decoded{
		Event:   e,
		Address: sinks.Address{Source: SourceName, Kind: k.Kind, Namespace: owner, Name: name},
	}, nil
}

// hostOf is the host of a package's html_url, when it is plainly one.
func hostOf(htmlURL string) string {
	u, err := url.Parse(htmlURL)
	if err != nil || !adapter.ValidHost(u.Host) {
		return ""
	}
	return strings.ToLower(u.Host)
}

// isDigest tells an untagged manifest's version (sha256:…) from a tag,
// which holds no colon.
func isDigest(s string) bool {
	alg, hex, ok := strings.Cut(s, ":")
	return ok && alg != "" && hex != ""
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

// token makes an action a safe part of a type name: lowercase, with what
// is not a letter, digit, _ or - as _.
func token(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}

// isGitea reports whether headers are Gitea's or Forgejo's.
func isGitea(h http.Header) bool {
	for _, name := range []string{"X-Gitea-Delivery", "X-Forgejo-Delivery", "X-Gitea-Event-Type", "X-Forgejo-Event-Type"} {
		if h.Get(name) != "" {
			return true
		}
	}
	return false
}

// recognizes tells a Gitea or Forgejo delivery by its headers: the
// GitHub-style ones it also sends say nothing.
func recognizes(d adapter.Delivery) bool {
	return isGitea(d.Header)
}
