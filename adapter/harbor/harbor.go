// Package harbor decodes Harbor webhooks into CloudEvents.
//
// A Harbor webhook policy belongs to one project and posts in one of two
// formats, told apart by Content-Type: Default (application/json:
// {type, occur_at, operator, event_data}) and, since 2.8, structured
// CloudEvents (application/cloudevents+json, whose data is the Default
// format's event_data). An incoming CloudEvent is not wrapped in a second
// one: it becomes hubwire's event of the same kind, with Harbor's id,
// source and type kept as the extensions harborid, harborsource and
// harbortype. One delivery may name several artifacts (resources[]):
// one event each. Harbor 1.x type names (pushImage…) are read as their
// 2.x counterparts; a kind hubwire does not know is published under its
// own name, never refused.
package harbor

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/internal/rawjson"
	"github.com/hubwire/hubwire/sinks"
)

// SourceName is the path element of Harbor's webhook URL.
const SourceName = "harbor"

// Extension attributes that keep what an incoming CloudEvent said of
// itself (lower-case letters and digits, as the spec requires).
const (
	ExtHarborID     = "harborid"
	ExtHarborSource = "harborsource"
	ExtHarborType   = "harbortype"
)

// Source decodes Harbor deliveries.
type Source struct {
	schemaBase string
}

// New returns a decoder whose events point their dataschema at the schemas
// served under schemaBase (for example http://127.0.0.1:8080/schemas/).
func New(schemaBase string) *Source {
	return &Source{schemaBase: schemaBase}
}

// delivery is the part of either format hubwire reads; the rest is kept
// verbatim in data.payload.
type delivery struct {
	// Default format.
	Type      string          `json:"type"`
	OccurAt   json.RawMessage `json:"occur_at"`
	Operator  string          `json:"operator"`
	EventData *eventData      `json:"event_data"`
	// CloudEvents format (type and operator as above).
	SpecVersion string     `json:"specversion"`
	ID          string     `json:"id"`
	Source      string     `json:"source"`
	Time        string     `json:"time"`
	Data        *eventData `json:"data"`
}

type eventData struct {
	Resources  []resource `json:"resources"`
	Repository *struct {
		Name         string `json:"name"`
		Namespace    string `json:"namespace"`
		RepoFullName string `json:"repo_full_name"`
	} `json:"repository"`
	CustomAttributes map[string]json.RawMessage `json:"custom_attributes"`
	Replication      json.RawMessage            `json:"replication"`
	Retention        json.RawMessage            `json:"retention"`
}

type resource struct {
	Digest       string                     `json:"digest"`
	Tag          string                     `json:"tag"`
	ResourceURL  string                     `json:"resource_url"`
	ScanOverview map[string]json.RawMessage `json:"scan_overview"`
}

// Data is the data of every io.goharbor.* event; which of the optional
// parts are present depends on the type (see the type's JSON Schema).
type Data struct {
	adapter.Facts
	// Host is the registry's host as Harbor names it (resource_url's
	// first element, or harbor_hostname).
	Host string `json:"host,omitempty"`
	// Scan is the scan report of a scan event.
	Scan *Scan `json:"scan,omitempty"`
	// Details is a quota event's message (custom_attributes.Details).
	Details string `json:"details,omitempty"`
	// Replication is what a replication event says of the task.
	Replication *Replication `json:"replication,omitempty"`
	// Retention is what a tag retention event says of the run.
	Retention *Retention `json:"retention,omitempty"`
	// Payload is the delivery as received.
	Payload json.RawMessage `json:"payload"`
}

// Scan is one scan report of an artifact (scan_overview's first).
type Scan struct {
	ReportType string `json:"report_type,omitempty"`
	Status     string `json:"status,omitempty"`
	Severity   string `json:"severity,omitempty"`
	Scanner    string `json:"scanner,omitempty"`
}

// Replication is a replication task's outcome.
type Replication struct {
	Status       string `json:"status,omitempty"`
	Trigger      string `json:"trigger,omitempty"`
	ArtifactType string `json:"artifact_type,omitempty"`
	Source       string `json:"source,omitempty"`
	Destination  string `json:"destination,omitempty"`
}

// Retention is a tag retention run's outcome.
type Retention struct {
	Result   string `json:"result,omitempty"`
	Project  string `json:"project,omitempty"`
	Total    int64  `json:"total"`
	Retained int64  `json:"retained"`
}

// Decode implements adapter.Decoder: one event per artifact named, one
// for a replication or retention run, none for a test delivery.
func (s *Source) Decode(d adapter.Delivery) ([]*adapter.Decoded, error) {
	if len(bytes.TrimSpace(d.Body)) == 0 {
		return nil, nil
	}
	var del delivery
	top, err := adapter.DecodeJSON(d.Body, &del)
	if err != nil {
		return nil, err
	}
	// Content-Type tells the formats apart; the body is trusted over it
	// where they disagree (a proxy that rewrote the header).
	ce := del.SpecVersion != "" || isCloudEvents(d.Header.Get("Content-Type")) && del.EventData == nil
	dataField, data := "event_data", del.EventData
	if ce {
		dataField, data = "data", del.Data
	}
	if del.Type == "" {
		return nil, adapter.Errorf("type", "is required: a Harbor webhook names its event (PUSH_ARTIFACT, harbor.artifact.pushed…)")
	}
	if pings[del.Type] {
		return nil, nil
	}
	k, known := byName[del.Type]
	if !known {
		k = unknownType(del.Type)
		if k.Action == "" {
			return nil, adapter.Errorf("type", "%q names no event: a Harbor webhook names one after the prefix (harbor.artifact.pushed…)", del.Type)
		}
	}
	occurred, err := occurrence(ce, del)
	if err != nil {
		return nil, err
	}
	if data == nil {
		data = &eventData{}
	}

	base := adapter.Facts{Registry: SourceName, Actor: del.Operator, Action: k.Action, OccurredAt: occurred}
	secs := strconv.FormatInt(occurred.Unix(), 10)
	payload := top.Payload()
	extend := func(dec *adapter.Decoded) error {
		if !ce {
			return nil
		}
		// What Harbor said of its CloudEvent is kept; its id is a fresh
		// UUID per delivery, so hubwire's id comes from the occurrence.
		for name, v := range map[string]string{ExtHarborID: del.ID, ExtHarborSource: del.Source, ExtHarborType: del.Type} {
			if v != "" {
				dec.Event.SetExtension(name, v)
			}
		}
		return dec.Event.Validate()
	}

	if k.Global || len(data.Replication) > 0 || len(data.Retention) > 0 {
		dec, err := s.global(k, base, secs, data, payload)
		if err != nil {
			return nil, err
		}
		if err := extend(dec); err != nil {
			return nil, err
		}
		return []*adapter.Decoded{dec}, nil
	}

	repo := ""
	if r := data.Repository; r != nil {
		repo = r.RepoFullName
		if repo == "" && r.Name != "" {
			repo = r.Name
			if r.Namespace != "" && !strings.HasPrefix(r.Name, r.Namespace+"/") {
				repo = r.Namespace + "/" + r.Name
			}
		}
	}
	if repo == "" && known {
		return nil, adapter.Errorf(dataField+".repository.repo_full_name", "is required for %s", del.Type)
	}
	details := ""
	if raw, ok := data.CustomAttributes["Details"]; ok {
		// A non-string Details is kept in the payload, not refused.
		_ = json.Unmarshal(raw, &details)
	}
	resources := data.Resources
	if len(resources) == 0 {
		resources = []resource{{}}
	}
	out := make([]*adapter.Decoded, 0, len(resources))
	for _, r := range resources {
		dec, err := s.artifact(k, base, secs, repo, r, details, payload)
		if err != nil {
			return nil, err
		}
		if err := extend(dec); err != nil {
			return nil, err
		}
		out = append(out, dec)
	}
	return out, nil
}

// artifact is the event of one resource of an artifact, scan or quota
// delivery.
func (s *Source) artifact(k adapter.EventType, facts adapter.Facts, secs, repo string, r resource, details string, payload json.RawMessage) (*adapter.Decoded, error) {
	// Harbor's repositories are <project>/<name…>; the project is the
	// namespace. A repository of one element has none.
	namespace, name, nested := strings.Cut(repo, "/")
	if !nested {
		namespace, name = "", repo
	}
	tag, digest := r.Tag, r.Digest
	// An untagged artifact's tag holds its digest.
	if isDigest(tag) {
		if digest == "" {
			digest = tag
		}
		tag = ""
	}
	facts.Repository, facts.Namespace, facts.Name, facts.Tag, facts.Digest = repo, namespace, name, tag, digest
	host, _, _ := strings.Cut(r.ResourceURL, "/")
	if !adapter.ValidHost(host) {
		host = ""
	}
	data := Data{Facts: facts, Host: host, Details: details, Payload: payload}
	if len(r.ScanOverview) > 0 {
		data.Scan = scan(r.ScanOverview)
	}

	source := "urn:hubwire:harbor"
	if host != "" {
		source = "https://" + host
	}
	subject, partition := "", repo
	if repo != "" {
		// Escaped so that source stays a URI reference whatever a name holds.
		repoPath := url.PathEscape(name)
		if namespace != "" {
			repoPath = url.PathEscape(namespace) + "/" + repoPath
		}
		if host != "" {
			source += "/" + repoPath
		} else {
			source += ":" + repoPath
		}
		switch {
		case tag != "":
			subject = repo + ":" + tag
		case digest != "":
			subject = repo + "@" + digest
		default:
			subject = repo
		}
	} else {
		partition = SourceName
	}
	e, err := adapter.NewEvent(adapter.Spec{
		// The occurrence (kind, second, artifact), not Harbor's CloudEvent
		// id: a redelivery, and the Default and CloudEvents forms of one
		// occurrence, get the same id.
		ID:           adapter.EventID(SourceName, k.Action, secs, repo, tag, digest),
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

// global is the event of a replication task or a tag retention run,
// which belong to no one repository.
func (s *Source) global(k adapter.EventType, facts adapter.Facts, secs string, d *eventData, payload json.RawMessage) (*adapter.Decoded, error) {
	data := Data{Facts: facts, Payload: payload}
	subject, raw := k.Kind, d.Replication
	if len(d.Replication) > 0 {
		var r struct {
			Hostname     string `json:"harbor_hostname"`
			JobStatus    string `json:"job_status"`
			ArtifactType string `json:"artifact_type"`
			TriggerType  string `json:"trigger_type"`
			Src          *struct {
				Endpoint string `json:"endpoint"`
			} `json:"src_resource"`
			Dest *struct {
				Endpoint string `json:"endpoint"`
			} `json:"dest_resource"`
		}
		// Kept in the payload as it is when its parts are not as expected.
		_ = rawjson.Unmarshal(d.Replication, &r)
		data.Host = r.Hostname
		data.Replication = &Replication{Status: r.JobStatus, Trigger: r.TriggerType, ArtifactType: r.ArtifactType}
		if r.Src != nil {
			data.Replication.Source = r.Src.Endpoint
		}
		if r.Dest != nil {
			data.Replication.Destination = r.Dest.Endpoint
		}
	} else if len(d.Retention) > 0 {
		raw = d.Retention
		var r struct {
			Hostname string `json:"harbor_hostname"`
			Project  string `json:"project_name"`
			Result   string `json:"result"`
			Total    int64  `json:"total"`
			Retained int64  `json:"retained"`
		}
		_ = rawjson.Unmarshal(d.Retention, &r)
		data.Host = r.Hostname
		data.Retention = &Retention{Result: r.Result, Project: r.Project, Total: r.Total, Retained: r.Retained}
	}
	if !adapter.ValidHost(data.Host) {
		data.Host = ""
	}
	source := "urn:hubwire:harbor"
	if data.Host != "" {
		source = "https://" + data.Host
	}
	// The run's report, compacted, tells apart two tasks that ended in
	// the same second; both formats carry the same report.
	var canonical bytes.Buffer
	if json.Compact(&canonical, raw) != nil {
		canonical.Reset()
	}
	e, err := adapter.NewEvent(adapter.Spec{
		ID:           adapter.EventID(SourceName, k.Action, secs, canonical.String()),
		Source:       source,
		Type:         k.Type,
		Subject:      subject,
		Schema:       s.schemaBase + k.Schema + ".json",
		PartitionKey: subject,
		Facts:        facts,
		Data:         data,
	})
	if err != nil {
		return nil, err
	}
	return &adapter.Decoded{Event: e, Address: sinks.Address{Source: SourceName, Kind: k.Kind}}, nil
}

// scan reads the first report of scan_overview, keyed by its MIME type.
func scan(overview map[string]json.RawMessage) *Scan {
	for _, key := range sortedKeys(overview) {
		var r struct {
			ScanStatus string `json:"scan_status"`
			Severity   string `json:"severity"`
			Scanner    *struct {
				Name    string `json:"name"`
				Version string `json:"version"`
			} `json:"scanner"`
		}
		if rawjson.Unmarshal(overview[key], &r) != nil {
			continue
		}
		sc := &Scan{ReportType: key, Status: r.ScanStatus, Severity: r.Severity}
		if r.Scanner != nil {
			sc.Scanner = strings.TrimSpace(r.Scanner.Name + " " + r.Scanner.Version)
		}
		return sc
	}
	return nil
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// A stable choice, so that a redelivery reads the same report.
	sort.Strings(keys)
	return keys
}

// occurrence is when it happened at Harbor: occur_at (Unix seconds) in
// the Default format, time in the CloudEvents one.
func occurrence(ce bool, d delivery) (time.Time, error) {
	var t time.Time
	if ce {
		if d.Time == "" {
			return t, adapter.Errorf("time", "is required: the time of the event, RFC 3339")
		}
		var err error
		if t, err = time.Parse(time.RFC3339Nano, d.Time); err != nil {
			return t, adapter.Errorf("time", "%q is not an RFC 3339 time", d.Time)
		}
		if y := t.UTC().Year(); y < 1 || y > 9999 {
			return t, adapter.Errorf("time", "%q is not a time in years 1 to 9999", d.Time)
		}
		return t.UTC(), nil
	}
	raw := strings.Trim(string(bytes.TrimSpace(d.OccurAt)), `"`)
	if raw == "" || raw == "null" {
		return t, adapter.Errorf("occur_at", "is required: the time of the event, in Unix seconds")
	}
	secs, err := strconv.ParseInt(raw, 10, 64)
	// Years 1 to 9999, as RFC 3339 writes them.
	if err != nil || secs < -62135596800 || secs > 253402300799 {
		return t, adapter.Errorf("occur_at", "%s is not a time in Unix seconds", raw)
	}
	return time.Unix(secs, 0).UTC(), nil
}

// isDigest reports whether a tag is in fact a digest (algorithm:hex), as
// Harbor writes in resources[].tag for an untagged artifact.
func isDigest(tag string) bool {
	alg, hex, ok := strings.Cut(tag, ":")
	if !ok || (alg != "sha256" && alg != "sha384" && alg != "sha512") || len(hex) < 32 {
		return false
	}
	for i := 0; i < len(hex); i++ {
		if c := hex[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func isCloudEvents(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == cloudEventsMediaType
}

// recognizes reports whether a delivery looks like Harbor's: a type
// Harbor names (either format) beside event_data or data.
func recognizes(d adapter.Delivery) bool {
	var b struct {
		Type      string          `json:"type"`
		EventData json.RawMessage `json:"event_data"`
		Data      json.RawMessage `json:"data"`
		OccurAt   json.RawMessage `json:"occur_at"`
	}
	if json.Unmarshal(d.Body, &b) != nil {
		return false
	}
	if pings[b.Type] {
		return true
	}
	if _, known := byName[b.Type]; !known {
		return false
	}
	if strings.HasPrefix(b.Type, "harbor.") {
		return len(b.Data) > 0 && b.Data[0] == '{'
	}
	return len(b.EventData) > 0 && b.EventData[0] == '{' && len(b.OccurAt) > 0
}
