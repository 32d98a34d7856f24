// Package acr decodes Azure Container Registry webhooks into CloudEvents.
//
// ACR posts one event object per request, no envelope: id, timestamp,
// action, target (the distribution event's target, flattened) and, for
// image events, request. Its actions are push, delete, quarantine,
// chart_push and chart_delete, and the portal's ping; an action hubwire
// does not know is published under its own name, never refused. ACR does
// not retry and gives up after about 5 s, so decoding is a single
// unmarshal with nothing slow in it.
package acr

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/sinks"
)

// SourceName is the path element of ACR's webhook URL.
const SourceName = "acr"

// Source decodes ACR deliveries.
type Source struct {
	schemaBase string
}

// New returns a decoder whose events point their dataschema at the schemas
// served under schemaBase (for example http://127.0.0.1:8080/schemas/).
func New(schemaBase string) *Source {
	return &Source{schemaBase: schemaBase}
}

// delivery is the part of an ACR event hubwire reads; the rest (size,
// length, fields ACR adds later) is kept verbatim in data.payload.
type delivery struct {
	ID        string  `json:"id"`
	Timestamp string  `json:"timestamp"`
	Action    string  `json:"action"`
	Target    *target `json:"target"`
	Request   *struct {
		Host string `json:"host"`
	} `json:"request"`
}

type target struct {
	MediaType  string `json:"mediaType"`
	Digest     string `json:"digest"`
	Repository string `json:"repository"`
	Tag        string `json:"tag"`
	// Name and Version are a chart's, in chart events.
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Data is the data of every io.azurecr.* event; which of the optional
// parts are present depends on the type (see the type's JSON Schema).
type Data struct {
	adapter.Facts
	// Host is the registry's login server (request.host), which image
	// events name and chart events do not.
	Host string `json:"host,omitempty"`
	// MediaType is the media type of the manifest or chart.
	MediaType string `json:"media_type,omitempty"`
	// Chart names the Helm chart of a chart event.
	Chart *Chart `json:"chart,omitempty"`
	// Payload is the delivery as received.
	Payload json.RawMessage `json:"payload"`
}

// Chart is the Helm chart a chart event is about.
type Chart struct {
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
}

// Decode implements adapter.Decoder: an ACR delivery is one event, or
// none for a ping.
func (s *Source) Decode(d adapter.Delivery) ([]*adapter.Decoded, error) {
	// The ping's body is not documented; an empty one is taken for a
	// ping rather than refused, so that the portal's test succeeds.
	if len(bytes.TrimSpace(d.Body)) == 0 {
		return nil, nil
	}
	e, err := s.decode(d.Body)
	if err != nil || e == nil {
		return nil, err
	}
	return []*adapter.Decoded{e}, nil
}

func (s *Source) decode(body []byte) (*adapter.Decoded, error) {
	var d delivery
	top, err := adapter.DecodeJSON(body, &d)
	if err != nil {
		return nil, err
	}
	if d.Action == "" {
		return nil, adapter.Errorf("action", "is required: an ACR event names what happened (push, delete, quarantine, chart_push, chart_delete)")
	}
	if d.Action == ping {
		return nil, nil
	}
	k, known := byAction[d.Action]
	if !known {
		// An action ACR adds later is published under its own name.
		k = adapter.EventType{Type: typePrefix + d.Action, Kind: d.Action, Action: d.Action, Schema: genericSchema}
	}
	if d.Timestamp == "" {
		return nil, adapter.Errorf("timestamp", "is required: the time of the event, RFC 3339")
	}
	occurred, err := time.Parse(time.RFC3339Nano, d.Timestamp)
	if err != nil {
		return nil, adapter.Errorf("timestamp", "%q is not an RFC 3339 time", d.Timestamp)
	}
	// An offset can carry year 0 or 9999 out of the range RFC 3339 writes.
	if y := occurred.UTC().Year(); y < 1 || y > 9999 {
		return nil, adapter.Errorf("timestamp", "%q is not a time in years 1 to 9999", d.Timestamp)
	}
	t := d.Target
	if t == nil {
		if known {
			return nil, adapter.Errorf("target", "is required: an ACR %s names its repository in target.repository", d.Action)
		}
		t = &target{}
	}
	if t.Repository == "" && known {
		return nil, adapter.Errorf("target.repository", "is required for %s", d.Action)
	}
	host := ""
	if d.Request != nil {
		host = d.Request.Host
	}

	// ACR's repositories may be one path element ("hello-world") or
	// several ("team/app"); the first is the namespace, if there is one.
	namespace, name, nested := strings.Cut(t.Repository, "/")
	if !nested {
		namespace, name = "", t.Repository
	}
	facts := adapter.Facts{
		Registry:   SourceName,
		Repository: t.Repository,
		Namespace:  namespace,
		Name:       name,
		Tag:        t.Tag,
		Digest:     t.Digest,
		Action:     k.Action,
		OccurredAt: occurred.UTC(),
	}
	data := Data{Facts: facts, Host: host, MediaType: t.MediaType, Payload: top.Payload()}
	if strings.HasPrefix(d.Action, "chart_") && (t.Name != "" || t.Version != "") {
		data.Chart = &Chart{Name: t.Name, Version: t.Version}
	}

	// Escaped so that source stays a URI reference whatever a name holds.
	repoPath := url.PathEscape(name)
	if namespace != "" {
		repoPath = url.PathEscape(namespace) + "/" + repoPath
	}
	source := "urn:hubwire:acr"
	if adapter.ValidHost(host) {
		source = "https://" + host
	}
	subject, partition := "", host
	if partition == "" {
		partition = SourceName
	}
	if t.Repository != "" {
		if adapter.ValidHost(host) {
			source += "/" + repoPath
		} else {
			source += ":" + repoPath
		}
		partition = t.Repository
		switch {
		case t.Tag != "":
			subject = t.Repository + ":" + t.Tag
		case t.Digest != "":
			subject = t.Repository + "@" + t.Digest
		default:
			subject = t.Repository
		}
	}

	e, err := adapter.NewEvent(adapter.Spec{
		// ACR's id names the occurrence; the time and the target make the
		// id hold also for a delivery without one, and make a sample sent
		// again with a fresh timestamp a new event.
		ID:           adapter.EventID(SourceName, d.Action, d.ID, d.Timestamp, t.Repository, t.Tag, t.Digest),
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

// recognizes reports whether a delivery looks like ACR's: its User-Agent,
// or a body with a known ACR action beside a target (or a ping).
func recognizes(d adapter.Delivery) bool {
	if strings.HasPrefix(d.Header.Get("User-Agent"), "AzureContainerRegistry/") {
		return true
	}
	var b struct {
		Action string          `json:"action"`
		Target json.RawMessage `json:"target"`
		Events json.RawMessage `json:"events"`
	}
	if json.Unmarshal(d.Body, &b) != nil || b.Events != nil {
		return false
	}
	if b.Action == ping {
		return true
	}
	_, known := byAction[b.Action]
	return known && len(b.Target) > 0 && b.Target[0] == '{'
}
