// Package dtr decodes Docker Trusted Registry (Mirantis Secure Registry 2.x)
// webhooks into CloudEvents: all fifteen event types, and the REPO_EVENT
// envelope some versions use for repository events.
//
// DTR documents its payloads "clipped for brevity", and five of its types
// not at all, so every field is optional here except what an event cannot
// do without, and every field is kept in data.payload.
package dtr

import (
	"cmp"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/internal/rawjson"
	"github.com/hubwire/hubwire/sinks"
)

// SourceName is the path element of DTR's webhook URL.
const SourceName = "dtr"

// Source decodes DTR deliveries.
type Source struct {
	schemaBase string
	// slow sends every delivery through adapter.DecodeJSON, as before
	// decodeEnvelope: for the tests that hold the two ways to one result.
	slow bool
}

// New returns a decoder whose events point their dataschema at the schemas
// served under schemaBase (for example http://127.0.0.1:8080/schemas/).
func New(schemaBase string) *Source {
	return &Source{schemaBase: schemaBase}
}

// inRepoEvent are the types a REPO_EVENT envelope may name.
var inRepoEvent = func() []string {
	var names []string
	for _, t := range types {
		if t.Envelope == repoEvent {
			names = append(names, t.Native)
		}
	}
	return names
}()

// byNative finds an event type by DTR's name of it.
var byNative = func() map[string]adapter.EventType {
	m := map[string]adapter.EventType{}
	for _, t := range types {
		m[t.Native] = t
	}
	return m
}()

type envelope struct {
	Type      string    `json:"type"`
	CreatedAt string    `json:"createdAt"`
	Location  string    `json:"location"`
	Contents  *contents `json:"contents"`
}

// contents holds every field any DTR type is known to send.
type contents struct {
	Namespace    string `json:"namespace"`
	Repository   string `json:"repository"`
	Tag          string `json:"tag"`
	Digest       string `json:"digest"`
	ImageName    string `json:"imageName"`
	OS           string `json:"os"`
	Architecture string `json:"architecture"`
	Author       string `json:"author"`
	Event        string `json:"event"`
	// Error is a message in the documented shape; anything else is kept
	// as its JSON text.
	Error            json.RawMessage `json:"error"`
	ScanSummary      *scanSummary    `json:"scanSummary"`
	ScannerVersion   rawjson.Text    `json:"scanner_version"`
	ScannerUpdatedAt string          `json:"scanner_updated_at"`
	DBVersion        rawjson.Text    `json:"db_version"`
	DBUpdatedAt      string          `json:"db_updated_at"`
	Success          *bool           `json:"success"`
}

type scanSummary struct {
	Critical         rawjson.Number `json:"critical"`
	Major            rawjson.Number `json:"major"`
	Minor            rawjson.Number `json:"minor"`
	LastScanStatus   rawjson.Number `json:"last_scan_status"`
	CheckCompletedAt string         `json:"check_completed_at"`
}

// Data is the data of every com.docker.dtr.* event; which of the optional
// parts are present depends on the type (see the type's JSON Schema).
type Data struct {
	adapter.Facts
	ImageName    string `json:"image_name,omitempty"`
	OS           string `json:"os,omitempty"`
	Architecture string `json:"architecture,omitempty"`
	// Location is DTR's path of the thing the event is about.
	Location string `json:"location,omitempty"`
	// Scan is the summary of a completed scan.
	Scan *Scan `json:"scan,omitempty"`
	// Error is why a scan failed.
	Error string `json:"error,omitempty"`
	// Scanner describes a completed update of the vulnerability database.
	Scanner *Scanner `json:"scanner,omitempty"`
	// Payload is the delivery as received.
	Payload json.RawMessage `json:"payload"`
}

// Scan is the summary of a completed vulnerability scan.
type Scan struct {
	Critical int64 `json:"critical"`
	Major    int64 `json:"major"`
	Minor    int64 `json:"minor"`
	// Status is DTR's last_scan_status in words ("completed"); StatusCode
	// is the number DTR sent.
	Status           string `json:"status,omitempty"`
	StatusCode       *int64 `json:"status_code,omitempty"`
	CheckCompletedAt string `json:"check_completed_at,omitempty"`
}

// Scanner describes a completed update of DTR's vulnerability database.
type Scanner struct {
	Version   string `json:"version,omitempty"`
	UpdatedAt string `json:"updated_at,omitempty"`
	DBVersion string `json:"db_version,omitempty"`
	DBUpdated string `json:"db_updated_at,omitempty"`
	Success   *bool  `json:"success,omitempty"`
}

// scanStatus names DTR's last_scan_status values.
var scanStatus = []string{"failed", "unscanned", "scanning", "pending", "scanned", "checking", "completed"}

// Decode implements adapter.Decoder: every DTR delivery is one event.
func (s *Source) Decode(d adapter.Delivery) ([]*adapter.Decoded, error) {
	return adapter.One(s.decode(d.Body))
}

func (s *Source) decode(body []byte) (*adapter.Decoded, error) {
	var env envelope
	top, canonical, ok := s.decodeEnvelope(body, &env)
	if !ok {
		env = envelope{}
		var err error
		if top, err = adapter.DecodeJSON(body, &env); err != nil {
			return nil, err
		}
	}
	if env.Type == "" {
		return nil, adapter.Errorf("type", "is required; known types: %s", strings.Join(Registry.NativeNames(), ", "))
	}
	if env.Contents == nil {
		return nil, adapter.Errorf("contents", "is required: the DTR envelope is {type, createdAt, contents}")
	}
	c := env.Contents
	dtrType := env.Type
	if dtrType == repoEvent {
		if t, ok := byNative[c.Event]; !ok || t.Envelope != repoEvent {
			return nil, adapter.Errorf("contents.event", "%q is not a repository event; a REPO_EVENT names one of %s", c.Event, strings.Join(inRepoEvent, ", "))
		}
		dtrType = c.Event
	}
	k, ok := byNative[dtrType]
	if !ok {
		return nil, adapter.Errorf("type", "unknown DTR event type %q; known types: %s", env.Type, strings.Join(Registry.NativeNames(), ", "))
	}
	if env.CreatedAt == "" {
		return nil, adapter.Errorf("createdAt", "is required: the time of the event, RFC 3339")
	}
	created, err := time.Parse(time.RFC3339Nano, env.CreatedAt)
	if err != nil {
		return nil, adapter.Errorf("createdAt", "%q is not an RFC 3339 time", env.CreatedAt)
	}
	// encoding/json matched the struct's keys regardless of case; the id
	// is made from the member named exactly contents.
	rawContents := top.Get("contents")
	if rawContents == nil {
		return nil, adapter.Errorf("contents", "is required, by that name (keys are case-sensitive)")
	}
	if canonical == "" {
		canonical = canonicalJSON(rawContents)
	}
	payload := top.Payload()

	image := parseImageName(c.ImageName)
	namespace, name := cmp.Or(c.Namespace, image.namespace), cmp.Or(c.Repository, image.name)
	if !k.Global && (namespace == "" || name == "") {
		field := "contents.namespace"
		if namespace != "" {
			field = "contents.repository"
		}
		return nil, adapter.Errorf(field, "is required for %s (or contents.imageName as namespace/repository:tag)", dtrType)
	}
	facts := adapter.Facts{
		Registry:   SourceName,
		Namespace:  namespace,
		Name:       name,
		Tag:        cmp.Or(c.Tag, image.tag),
		Digest:     cmp.Or(c.Digest, image.digest),
		Actor:      c.Author,
		Action:     k.Action,
		OccurredAt: created.UTC(),
	}
	data := Data{
		ImageName:    c.ImageName,
		OS:           c.OS,
		Architecture: c.Architecture,
		Location:     env.Location,
		Payload:      payload,
	}
	// The parts of data that belong to one type only, so that each type's
	// schema can say exactly what its data holds.
	switch dtrType {
	case "SCAN_COMPLETED":
		if c.ScanSummary != nil {
			data.Scan = scan(c)
		}
	case "SCAN_FAILED":
		data.Error = errorText(c.Error)
	}
	addr := sinks.Address{Source: SourceName, Kind: k.Kind, Namespace: namespace, Name: name}
	source, subject, partition := "urn:hubwire:dtr", "scanner", "scanner"
	if !k.Global {
		facts.Repository = namespace + "/" + name
		// Escaped so that source stays a URI reference (the JavaScript SDK
		// checks) whatever characters a name holds.
		source = "urn:hubwire:dtr:" + url.PathEscape(namespace) + "/" + url.PathEscape(name)
		partition = facts.Repository
		switch {
		case facts.Tag != "":
			subject = facts.Repository + ":" + facts.Tag
		case facts.Digest != "":
			subject = facts.Repository + "@" + facts.Digest
		default:
			subject = facts.Repository
		}
	} else {
		data.Scanner = &Scanner{
			Version:   string(c.ScannerVersion),
			UpdatedAt: c.ScannerUpdatedAt,
			DBVersion: string(c.DBVersion),
			DBUpdated: c.DBUpdatedAt,
			Success:   c.Success,
		}
	}
	data.Facts = facts

	e, err := adapter.NewEvent(adapter.Spec{
		ID:           adapter.EventID(SourceName, dtrType, env.CreatedAt, canonical),
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
	return &adapter.Decoded{Event: e, Address: addr}, nil
}

func scan(c *contents) *Scan {
	sum := c.ScanSummary
	out := &Scan{
		Critical:         integer(sum.Critical),
		Major:            integer(sum.Major),
		Minor:            integer(sum.Minor),
		CheckCompletedAt: sum.CheckCompletedAt,
	}
	if sum.LastScanStatus != "" {
		code := integer(sum.LastScanStatus)
		out.StatusCode = &code
		if code >= 0 && code < int64(len(scanStatus)) {
			out.Status = scanStatus[code]
		}
	}
	return out
}

// integer reads a count DTR sends as a JSON number; out-of-range values
// saturate rather than wrap.
func integer(n rawjson.Number) int64 {
	return int64(max(min(n.Float(), 1<<62), -(1 << 62)))
}

// errorText renders SCAN_FAILED's error: a string as is, anything else as
// its JSON text.
func errorText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
