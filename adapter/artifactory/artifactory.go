// Package artifactory decodes JFrog Artifactory webhooks into
// CloudEvents: the docker domain's pushed, deleted and promoted events,
// and any other domain's events under their own names.
//
// Artifactory posts an envelope {domain, event_type, data,
// subscription_key, jpd_origin, source}. A Docker event's data names the
// manifest's path in its repository (library/ubuntu/latest/
// list.manifest.json); the image is that path without its last two
// segments, since image_name drops nested segments (foo/bar/busybox is
// named busybox). jpd_origin, the platform's URL, is missing on
// self-hosted installs without a custom base URL. The envelope holds no
// time: events carry the time hubwire received them.
package artifactory

import (
	"cmp"
	"encoding/json"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/internal/rawjson"
	"github.com/hubwire/hubwire/sinks"
)

// SourceName is the path element of Artifactory's webhook URL.
const SourceName = "artifactory"

// Extension attributes that keep what the envelope says of the webhook:
// the subscription (the webhook's key) and the sender.
const (
	ExtSubscription = "jfrogsubscription"
	ExtSource       = "jfrogsource"
)

// Source decodes Artifactory deliveries.
type Source struct {
	schemaBase string
	// now times the events, since Artifactory sends no time.
	now func() time.Time
}

// New returns a decoder whose events point their dataschema at the schemas
// served under schemaBase (for example http://127.0.0.1:8080/schemas/).
func New(schemaBase string) *Source {
	return &Source{schemaBase: schemaBase, now: time.Now}
}

// envelope is what hubwire reads of a delivery; the rest is kept in
// data.payload.
type envelope struct {
	Domain    string  `json:"domain"`
	EventType string  `json:"event_type"`
	Data      *inside `json:"data"`
	Origin    string  `json:"jpd_origin"`
	// What the envelope says of the webhook is read leniently: a member
	// of an unexpected type costs that fact, not the delivery.
	SubscriptionKey json.RawMessage `json:"subscription_key"`
	Source          json.RawMessage `json:"source"`
}

type inside struct {
	RepoKey   string          `json:"repo_key"`
	Path      string          `json:"path"`
	Name      string          `json:"name"`
	SHA256    string          `json:"sha256"`
	Size      json.RawMessage `json:"size"`
	ImageName string          `json:"image_name"`
	ImageType string          `json:"image_type"`
	Tag       rawjson.Text    `json:"tag"`
	Platforms json.RawMessage `json:"platforms"`
}

// Data is the data of every com.jfrog.artifactory.* event; which of the
// optional parts are present depends on the domain (see the type's JSON
// Schema).
type Data struct {
	adapter.Facts
	// Domain is the webhook's domain (docker, artifact, build, …).
	Domain string `json:"domain"`
	// RepoKey is the Artifactory repository (a local one, also for an
	// event seen through a virtual repository).
	RepoKey string `json:"repo_key,omitempty"`
	// Path is the file's path in the repository: for Docker events, the
	// manifest's (<image>/<tag>/manifest.json, or list.manifest.json for
	// a manifest list).
	Path string `json:"path,omitempty"`
	// ImageName is Artifactory's image_name, which drops nested path
	// segments; repository has the whole name.
	ImageName string `json:"image_name,omitempty"`
	// ImageType is docker or oci.
	ImageType string `json:"image_type,omitempty"`
	// Size is the manifest's size in bytes.
	Size *int64 `json:"size,omitempty"`
	// Platforms are the platforms of a manifest list; none for one image.
	Platforms []Platform `json:"platforms,omitempty"`
	// Origin is the platform's URL (jpd_origin), when it sends one.
	Origin string `json:"origin,omitempty"`
	// Payload is the delivery as received.
	Payload json.RawMessage `json:"payload"`
}

// Platform is one platform of a manifest list.
type Platform struct {
	Architecture string `json:"architecture,omitempty"`
	OS           string `json:"os,omitempty"`
	Variant      string `json:"variant,omitempty"`
}

// Decode implements adapter.Decoder: every delivery is one event.
func (s *Source) Decode(d adapter.Delivery) ([]*adapter.Decoded, error) {
	return adapter.One(s.decode(d.Body))
}

func (s *Source) decode(body []byte) (*adapter.Decoded, error) {
	var env envelope
	top, err := adapter.DecodeJSON(body, &env)
	if err != nil {
		return nil, err
	}
	if env.Domain == "" && env.Data == nil && top.Get("repo_key") != nil && top.Get("image_name") != nil {
		// The docker data alone, as JFrog's docs show it and as a custom
		// webhook may send it: read as the docker event it describes.
		var in inside
		if _, err := adapter.DecodeJSON(body, &in); err != nil {
			return nil, err
		}
		env.Domain, env.Data = dockerDomain, &in
	}
	if env.Domain == "" {
		return nil, adapter.Errorf("domain", "is required: an Artifactory webhook names its domain (docker for image events)")
	}
	if env.EventType == "" {
		return nil, adapter.Errorf("event_type", "is required: what happened (pushed, deleted, promoted for docker)")
	}
	docker := env.Domain == dockerDomain
	k, known := byEvent[env.EventType]
	if !docker || !known {
		action := token(env.Domain) + "." + token(env.EventType)
		k = adapter.EventType{Type: typePrefix + action, Kind: strings.ReplaceAll(action, ".", "_"), Action: action, Schema: genericSchema}
	}
	in := env.Data
	if in == nil {
		if docker {
			return nil, adapter.Errorf("data", "is required: a docker event describes the image in data")
		}
		in = &inside{}
	}

	repository := ""
	if docker {
		repository = imageOf(in.Path)
		if repository == "" {
			// Artifactory's test delivery names a file, not a manifest.
			repository = strings.Trim(in.ImageName, "/")
		}
		if repository == "" {
			return nil, adapter.Errorf("data.path", "is required: the manifest's path names the image (<image>/<tag>/manifest.json)")
		}
	}
	namespace, name, nested := strings.Cut(repository, "/")
	if !nested {
		namespace, name = "", repository
	}
	tag, digest := "", ""
	if docker {
		tag = string(in.Tag)
		digest = digestOf(in.SHA256)
	}
	occurred := s.now().UTC()
	facts := adapter.Facts{
		Registry:   SourceName,
		Repository: repository,
		Namespace:  namespace,
		Name:       name,
		Tag:        tag,
		Digest:     digest,
		Action:     k.Action,
		OccurredAt: occurred,
	}
	data := Data{
		Facts:     facts,
		Domain:    env.Domain,
		RepoKey:   in.RepoKey,
		Path:      in.Path,
		ImageName: in.ImageName,
		ImageType: in.ImageType,
		Size:      sizeOf(in.Size),
		Platforms: platformsOf(in.Platforms),
		Origin:    env.Origin,
		Payload:   top.Payload(),
	}

	host := hostOf(env.Origin)
	subject, partition := "", cmp.Or(in.RepoKey, env.Domain)
	var source string
	switch {
	case repository != "":
		subject, partition = repository, repository
		switch {
		case tag != "":
			subject += ":" + tag
		case digest != "":
			subject += "@" + digest
		}
		source = repoPath(in.RepoKey, repository)
	case in.RepoKey != "" && in.Path != "":
		subject = in.RepoKey + "/" + in.Path
		source = repoPath(in.RepoKey, "")
	default:
		source = repoPath(in.RepoKey, "")
	}
	if host != "" {
		source = "https://" + host + "/" + source
	} else {
		source = "urn:hubwire:artifactory:" + source
	}
	source = strings.TrimRight(source, "/:")

	e, err := adapter.NewEvent(adapter.Spec{
		// The occurrence, not the subscription: two webhooks on one push
		// deliver it under two keys. Artifactory sends no time, so the
		// same manifest pushed to the same tag twice within the duplicate
		// window is stored once.
		ID:           adapter.EventID(SourceName, env.Domain, env.EventType, env.Origin, in.RepoKey, in.Path, in.SHA256, string(in.Tag)),
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
	for name, v := range map[string]string{ExtSubscription: str(env.SubscriptionKey), ExtSource: str(env.Source)} {
		if v != "" {
			e.SetExtension(name, v)
		}
	}
	return &adapter.Decoded{
		Event:   e,
		Address: sinks.Address{Source: SourceName, Kind: k.Kind, Namespace: namespace, Name: name},
	}, nil
}

// imageOf is the image a manifest's path names: the path without its
// last two segments (the tag and the manifest file).
func imageOf(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 3 {
		return ""
	}
	return strings.Join(parts[:len(parts)-2], "/")
}

var hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)

// digestOf is the manifest's digest: Artifactory's sha256 is the hex
// checksum of the manifest file (placeholders in its docs are not).
func digestOf(sha string) string {
	sha = strings.ToLower(strings.TrimPrefix(sha, "sha256:"))
	if hexDigest.MatchString(sha) {
		return "sha256:" + sha
	}
	return ""
}

// sizeOf reads a size that is a whole number; anything else is left to
// the payload.
func sizeOf(raw json.RawMessage) *int64 {
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return nil
	}
	return &n
}

// platformsOf reads the platforms of a manifest list; a list it cannot
// read is left to the payload.
func platformsOf(raw json.RawMessage) []Platform {
	var ps []Platform
	if json.Unmarshal(raw, &ps) != nil || len(ps) == 0 {
		return nil
	}
	return ps
}

// str is a JSON string's value; "" for anything else.
func str(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// hostOf is the host of jpd_origin, when it is a URL with a valid host.
func hostOf(origin string) string {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || !adapter.ValidHost(u.Host) {
		return ""
	}
	return strings.ToLower(u.Host)
}

// repoPath is <repo key>/<repository>, each segment escaped so that the
// source stays a URI reference whatever the names hold.
func repoPath(repoKey, repository string) string {
	var parts []string
	for _, p := range strings.Split(repoKey+"/"+repository, "/") {
		if p != "" {
			parts = append(parts, url.PathEscape(p))
		}
	}
	return strings.Join(parts, "/")
}

// token makes a domain or event type a safe part of a type name:
// lowercase, with what is not a letter, digit, _ or - as _.
func token(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}

// recognizes reports whether a delivery looks like Artifactory's: its
// auth header, the envelope's members, or the docker data's alone.
func recognizes(d adapter.Delivery) bool {
	if d.Header.Get("X-JFrog-Event-Auth") != "" {
		return true
	}
	var b struct {
		Domain    *string         `json:"domain"`
		EventType *string         `json:"event_type"`
		Data      json.RawMessage `json:"data"`
		RepoKey   *string         `json:"repo_key"`
		ImageName *string         `json:"image_name"`
	}
	if json.Unmarshal(d.Body, &b) != nil || b.EventType == nil {
		return false
	}
	return b.Domain != nil && len(b.Data) > 0 && b.Data[0] == '{' || b.RepoKey != nil && b.ImageName != nil
}
