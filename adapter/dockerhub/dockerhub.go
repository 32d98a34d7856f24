// Package dockerhub decodes Docker Hub push webhooks into CloudEvents.
//
// Hub has sent two shapes over the years (see FORMATS.md): the legacy one
// with an images array and float timestamps, and the current one with
// integer timestamps and a tag. Real deliveries also drop dockerfile, send
// images: [] and add media_type. All are accepted; fields we do not know
// are kept in data.payload, never rejected.
package dockerhub

import (
	"encoding/json"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/internal/rawjson"
	"github.com/hubwire/hubwire/sinks"
)

// SourceName is the path element of Docker Hub's webhook URL.
const SourceName = "dockerhub"

// TypePush is the CloudEvent type of a push to a Docker Hub repository.
const TypePush = "com.docker.hub.push"

// push is Docker Hub's one event type: it sends nothing but pushes.
var push = adapter.EventType{
	Type: TypePush, Kind: "push", Action: "push", Schema: "dockerhub.push", Sample: "current",
	Summary: "A push to a Docker Hub repository.",
}

// Registry describes Docker Hub to the rest of hubwire.
var Registry = adapter.Registry{
	Name:          SourceName,
	Title:         "Docker Hub",
	Types:         []adapter.EventType{push},
	Samples:       Samples,
	DefaultSample: "current",
	Freshen:       freshen,
	New:           func(schemaBase string) adapter.Decoder { return New(schemaBase) },
}

// Source decodes Docker Hub deliveries.
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

// delivery is the part of a Hub payload hubwire reads; the rest is kept
// verbatim in data.payload.
type delivery struct {
	CallbackURL string      `json:"callback_url"`
	PushData    *pushData   `json:"push_data"`
	Repository  *repository `json:"repository"`
}

type pushData struct {
	Images    []string       `json:"images"`
	PushedAt  rawjson.Number `json:"pushed_at"`
	Pusher    string         `json:"pusher"`
	Tag       string         `json:"tag"`
	MediaType string         `json:"media_type"`
}

type repository struct {
	RepoName  string `json:"repo_name"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	RepoURL   string `json:"repo_url"`
	IsPrivate *bool  `json:"is_private"`
}

// Data is the data of a com.docker.hub.push event.
type Data struct {
	adapter.Facts
	// Images are the image ids of the legacy shape; empty in current deliveries.
	Images []string `json:"images,omitempty"`
	// MediaType is the config media type of what was pushed (an image, a
	// Helm chart, …), when Hub says.
	MediaType string `json:"media_type,omitempty"`
	RepoURL   string `json:"repo_url,omitempty"`
	// Payload is the delivery as received, without callback_url.
	Payload json.RawMessage `json:"payload"`
}

// Decode implements adapter.Decoder: every Docker Hub delivery is one push.
func (s *Source) Decode(d adapter.Delivery) ([]*adapter.Decoded, error) {
	return adapter.One(s.decode(d.Body))
}

func (s *Source) decode(body []byte) (*adapter.Decoded, error) {
	var d delivery
	top, err := adapter.DecodeFast(body, &d, s.decodeDelivery)
	if err != nil {
		return nil, err
	}
	if d.Repository == nil {
		return nil, adapter.Errorf("repository", "is required: a Docker Hub push names its repository in repository.repo_name")
	}
	if d.PushData == nil {
		return nil, adapter.Errorf("push_data", "is required: a Docker Hub push carries pushed_at and pusher in push_data")
	}
	namespace, name, err := repoName(d.Repository.RepoName, d.Repository.Namespace, d.Repository.Name)
	if err != nil {
		return nil, err
	}
	pushed, err := unixTime(d.PushData.PushedAt)
	if err != nil {
		return nil, err
	}
	payload := top.Payload("callback_url")

	repository := namespace + "/" + name
	p := d.PushData
	facts := adapter.Facts{
		Registry:   SourceName,
		Repository: repository,
		Namespace:  namespace,
		Name:       name,
		Tag:        p.Tag,
		Actor:      p.Pusher,
		Action:     push.Action,
		OccurredAt: pushed,
	}
	subject := repository
	if p.Tag != "" {
		subject += ":" + p.Tag
	}
	e, err := adapter.NewEvent(adapter.Spec{
		// A multi-arch push sends one delivery per config media type;
		// those are different artifacts, so the media type is part of
		// what identifies the occurrence.
		ID:           adapter.EventID(SourceName, repository, p.Tag, strconv.FormatInt(pushed.UnixMicro(), 10), p.Pusher, p.MediaType),
		Source:       "https://hub.docker.com/r/" + url.PathEscape(namespace) + "/" + url.PathEscape(name),
		Type:         TypePush,
		Subject:      subject,
		Schema:       s.schemaBase + push.Schema + ".json",
		PartitionKey: repository,
		Facts:        facts,
		Data: Data{
			Facts:     facts,
			Images:    p.Images,
			MediaType: p.MediaType,
			RepoURL:   d.Repository.RepoURL,
			Payload:   payload,
		},
	})
	if err != nil {
		return nil, err
	}
	return &adapter.Decoded{
		Event:       e,
		Address:     sinks.Address{Source: SourceName, Kind: push.Kind, Namespace: namespace, Name: name},
		CallbackURL: d.CallbackURL,
	}, nil
}

// repoName finds the repository's namespace and name: repo_name when
// present ("library/nginx", or "nginx" for an official image), otherwise
// namespace and name.
func repoName(repoName, namespace, name string) (string, string, error) {
	if repoName != "" {
		if ns, n, ok := strings.Cut(repoName, "/"); ok {
			if ns == "" || n == "" {
				return "", "", adapter.Errorf("repository.repo_name", "%q is not namespace/name", repoName)
			}
			return ns, n, nil
		}
		return "library", repoName, nil
	}
	if namespace != "" && name != "" {
		return namespace, name, nil
	}
	return "", "", adapter.Errorf("repository.repo_name", "is required (or both repository.namespace and repository.name)")
}

// maxUnix is the last second of year 9999, the last an RFC 3339 time holds.
const maxUnix = 253402300799

// unixTime reads Hub's pushed_at: integer seconds now, float seconds
// (1.417566161e+09) in the legacy shape.
func unixTime(n rawjson.Number) (time.Time, error) {
	if n == "" {
		return time.Time{}, adapter.Errorf("push_data.pushed_at", "is required: the time of the push in seconds since 1970")
	}
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil && i >= 0 && i <= maxUnix {
		return time.Unix(i, 0).UTC(), nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > maxUnix {
		return time.Time{}, adapter.Errorf("push_data.pushed_at", "%s is not a time in seconds since 1970", n)
	}
	// Microseconds: as much as a float64 of today's seconds holds exactly.
	return time.UnixMicro(int64(math.Round(f * 1e6))).UTC(), nil
}
