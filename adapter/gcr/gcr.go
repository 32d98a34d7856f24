// Package gcr decodes Google Artifact Registry's (and Container
// Registry's) notifications, as a Pub/Sub push subscription posts them,
// into CloudEvents.
//
// Artifact Registry has no webhooks: it publishes to the Pub/Sub topic gcr
// of its project, and a push subscription posts each message to hubwire,
// wrapped: {message: {data (base64), attributes, messageId, publishTime},
// subscription}. The data is {action: INSERT|DELETE, digest, tag}, either
// of the last two missing, each a full image reference. An upload, a new
// tag and a delete are separate messages, so a tagged push is a tag-less
// INSERT then a tagged one: two events, typed apart (image.pushed,
// tag.pushed). Pub/Sub's message id, the same on every redelivery, is the
// basis of the event id. The OIDC token Pub/Sub can send is checked by
// the receiver (a source setting), not here.
package gcr

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/sinks"
)

// SourceName is the path element of Artifact Registry's webhook URL.
const SourceName = "gcr"

// Source decodes Pub/Sub push deliveries of Artifact Registry messages.
type Source struct {
	schemaBase string
}

// New returns a decoder whose events point their dataschema at the schemas
// served under schemaBase (for example http://127.0.0.1:8080/schemas/).
func New(schemaBase string) *Source {
	return &Source{schemaBase: schemaBase}
}

// envelope is a Pub/Sub push delivery, which spells its members both in
// camelCase and in snake_case.
type envelope struct {
	Message *struct {
		Data        string            `json:"data"`
		Attributes  map[string]string `json:"attributes"`
		MessageID   string            `json:"messageId"`
		MessageID2  string            `json:"message_id"`
		PublishTime string            `json:"publishTime"`
		PublishTim2 string            `json:"publish_time"`
	} `json:"message"`
	Subscription string `json:"subscription"`
}

// message is an Artifact Registry notification, the message's data.
type message struct {
	Action string `json:"action"`
	Digest string `json:"digest"`
	Tag    string `json:"tag"`
}

// Data is the data of every com.google.artifactregistry.* event.
type Data struct {
	adapter.Facts
	// Host is the registry's host (us-east1-docker.pkg.dev, gcr.io).
	Host string `json:"host,omitempty"`
	// Image is the image reference the message names: its tag, else its
	// digest, as sent.
	Image string `json:"image,omitempty"`
	// MessageID is Pub/Sub's id of the message.
	MessageID string `json:"message_id"`
	// Subscription is the push subscription that delivered it.
	Subscription string `json:"subscription,omitempty"`
	// Attributes are the message's attributes.
	Attributes map[string]string `json:"attributes,omitempty"`
	// Payload is the message's data, decoded: Artifact Registry's
	// notification as it published it.
	Payload json.RawMessage `json:"payload"`
}

// Decode implements adapter.Decoder: a push delivery is one event.
func (s *Source) Decode(d adapter.Delivery) ([]*adapter.Decoded, error) {
	return adapter.One(s.decode(d.Body))
}

func (s *Source) decode(body []byte) (*adapter.Decoded, error) {
	var env envelope
	if _, err := adapter.DecodeJSON(body, &env); err != nil {
		return nil, err
	}
	m := env.Message
	if m == nil {
		return nil, adapter.Errorf("message", "is required: a Pub/Sub push delivery wraps the message in {message, subscription} (turn payload unwrapping off on the subscription)")
	}
	id := cmp.Or(m.MessageID, m.MessageID2)
	if id == "" {
		return nil, adapter.Errorf("message.messageId", "is required: Pub/Sub's id of the message")
	}
	published := cmp.Or(m.PublishTime, m.PublishTim2)
	if published == "" {
		return nil, adapter.Errorf("message.publishTime", "is required: when the message was published, RFC 3339")
	}
	occurred, err := time.Parse(time.RFC3339Nano, published)
	if err != nil {
		return nil, adapter.Errorf("message.publishTime", "%q is not an RFC 3339 time", published)
	}
	if y := occurred.UTC().Year(); y < 1 || y > 9999 {
		return nil, adapter.Errorf("message.publishTime", "%q is not a time in years 1 to 9999", published)
	}
	if m.Data == "" {
		return nil, adapter.Errorf("message.data", "is required: the notification, base64")
	}
	raw, err := base64.StdEncoding.DecodeString(m.Data)
	if err != nil {
		return nil, adapter.Errorf("message.data", "is not base64: %v", err)
	}
	var msg message
	payload, err := adapter.DecodeJSON(raw, &msg)
	if err != nil {
		var fe *adapter.FieldError
		if errors.As(err, &fe) {
			field := "message.data"
			if fe.Field != "" {
				field += "." + fe.Field
			}
			return nil, adapter.Errorf(field, "%s", fe.Problem)
		}
		return nil, err
	}
	if msg.Action == "" {
		return nil, adapter.Errorf("message.data.action", "is required: INSERT or DELETE")
	}
	ref := cmp.Or(msg.Tag, msg.Digest)
	if ref == "" {
		return nil, adapter.Errorf("message.data.digest", "or tag is required: the image the message is about")
	}
	host, repo, tag, digest, ok := parseRef(ref)
	if !ok {
		field := "message.data.digest"
		if msg.Tag != "" {
			field = "message.data.tag"
		}
		return nil, adapter.Errorf(field, "%q is not an image reference (host/path:tag or host/path@digest)", ref)
	}
	if msg.Tag != "" && msg.Digest != "" {
		// A tag message names the digest it points at too.
		if _, r, _, d, ok := parseRef(msg.Digest); ok && r == repo {
			digest = d
		}
	}
	tagged := 0
	if tag != "" {
		tagged = 1
	}
	k, known := byAction[msg.Action]
	typ := k[tagged]
	if !known {
		// An action Google adds later is published under its own name.
		action := strings.Trim(strings.Join(strings.Fields(strings.ToLower(msg.Action)), "_"), ".")
		if action == "" {
			action = "event"
		}
		if tagged == 1 {
			action = "tag." + action
		} else {
			action = "image." + action
		}
		typ = adapter.EventType{Type: typePrefix + action, Kind: strings.ReplaceAll(action, ".", "_"), Action: action, Schema: genericSchema}
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
		Action:     typ.Action,
		OccurredAt: occurred.UTC(),
	}
	data := Data{Facts: facts, Host: host, Image: ref, MessageID: id, Subscription: env.Subscription, Payload: payload.Payload()}
	if len(m.Attributes) > 0 {
		data.Attributes = m.Attributes
	}
	repoPath := escapePath(repo)
	subject := repo + "@" + digest
	if tag != "" {
		subject = repo + ":" + tag
	}
	e, err := adapter.NewEvent(adapter.Spec{
		// Pub/Sub's message id is the same on every redelivery, and to
		// every subscription, of the message.
		ID:           adapter.EventID(SourceName, id),
		Source:       "https://" + host + "/" + repoPath,
		Type:         typ.Type,
		Subject:      subject,
		Schema:       s.schemaBase + typ.Schema + ".json",
		PartitionKey: repo,
		Facts:        facts,
		Data:         data,
	})
	if err != nil {
		return nil, err
	}
	return &adapter.Decoded{
		Event:   e,
		Address: sinks.Address{Source: SourceName, Kind: typ.Kind, Namespace: namespace, Name: name},
	}, nil
}

// parseRef splits a full image reference, host/path:tag or
// host/path@digest, into its parts.
func parseRef(ref string) (host, repo, tag, digest string, ok bool) {
	host, rest, found := strings.Cut(ref, "/")
	if !found || !adapter.ValidHost(host) {
		return "", "", "", "", false
	}
	if r, d, isDigest := strings.Cut(rest, "@"); isDigest {
		repo, digest = r, d
		// host/path:tag@digest names both.
		if i := strings.LastIndexByte(repo, ':'); i >= 0 && !strings.Contains(repo[i:], "/") {
			repo, tag = repo[:i], repo[i+1:]
		}
	} else {
		i := strings.LastIndexByte(rest, ':')
		if i < 0 || strings.Contains(rest[i:], "/") {
			return "", "", "", "", false
		}
		repo, tag = rest[:i], rest[i+1:]
	}
	if repo == "" || strings.HasPrefix(repo, "/") || strings.HasSuffix(repo, "/") || strings.Contains(repo, "//") || tag == "" && digest == "" {
		return "", "", "", "", false
	}
	return host, repo, tag, digest, true
}

// recognizes reports whether a delivery looks like a Pub/Sub push: a
// message with data and an id, beside the subscription.
func recognizes(d adapter.Delivery) bool {
	var b struct {
		Message *struct {
			Data       string `json:"data"`
			MessageID  string `json:"messageId"`
			MessageID2 string `json:"message_id"`
		} `json:"message"`
		Subscription string `json:"subscription"`
	}
	if json.Unmarshal(d.Body, &b) != nil || b.Message == nil {
		return false
	}
	return b.Subscription != "" && b.Message.Data != "" && (b.Message.MessageID != "" || b.Message.MessageID2 != "")
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
