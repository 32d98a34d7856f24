// Package ecr decodes Amazon ECR's events, as an EventBridge API
// destination posts them, into CloudEvents.
//
// ECR has no webhooks: it sends its events to EventBridge, whose rule can
// post them to hubwire through an API destination. Each request is one
// EventBridge event: {version, id, detail-type, source: aws.ecr, account,
// time, region, resources, detail}, the detail's keys kebab-case. The
// detail-type says what happened (ECR Image Action, whose action-type is
// PUSH or DELETE; ECR Image Scan; ECR Scan Resource Change; ECR Pull
// Through Cache Action); a kind hubwire does not know is published under
// its own name, and an action that did not succeed (result, scan-status
// or sync-status other than the success) is typed apart (…_failed), so
// that no consumer deploys a push that failed. EventBridge's id, the same
// on every retry, is the basis of the event id.
package ecr

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/sinks"
)

// SourceName is the path element of ECR's webhook URL.
const SourceName = "ecr"

// eventSource is the source of every ECR event on EventBridge.
const eventSource = "aws.ecr"

// Source decodes ECR's EventBridge events.
type Source struct {
	schemaBase string
}

// New returns a decoder whose events point their dataschema at the schemas
// served under schemaBase (for example http://127.0.0.1:8080/schemas/).
func New(schemaBase string) *Source {
	return &Source{schemaBase: schemaBase}
}

// envelope is the part of an EventBridge event hubwire reads; the whole
// event is kept in data.payload.
type envelope struct {
	ID         string  `json:"id"`
	DetailType string  `json:"detail-type"`
	Source     string  `json:"source"`
	Account    string  `json:"account"`
	Time       string  `json:"time"`
	Region     string  `json:"region"`
	Detail     *detail `json:"detail"`
	// The CloudEvent an input transformer may make of it instead (as
	// Argo CD Image Updater's documentation has users do): id and time
	// as above, source urn:aws:ecr:<region>:<account>:repository/<repo>.
	SpecVersion string  `json:"specversion"`
	Type        string  `json:"type"`
	Data        *ceData `json:"data"`
}

// ceData is the data of the transformed CloudEvent.
type ceData struct {
	RepositoryName string `json:"repositoryName"`
	ImageDigest    string `json:"imageDigest"`
	ImageTag       string `json:"imageTag"`
	RegistryID     string `json:"registryId"`
}

// transformedTypes are the CloudEvent types of the transformed form, with
// the image action each stands for.
var transformedTypes = map[string]string{
	"com.amazon.ecr.image.push":   "PUSH",
	"com.amazon.ecr.image.delete": "DELETE",
}

// detail holds the detail members of every ECR event type.
type detail struct {
	ActionType     string `json:"action-type"`
	Result         string `json:"result"`
	RepositoryName string `json:"repository-name"`
	ImageDigest    string `json:"image-digest"`
	ImageTag       string `json:"image-tag"`
	// ECR Image Scan.
	ScanStatus string `json:"scan-status"`
	// Read leniently: a count ECR writes otherwise stays in the payload.
	SeverityCounts json.RawMessage `json:"finding-severity-counts"`
	ImageTags      []string        `json:"image-tags"`
	// ECR Scan Resource Change.
	Repositories []struct {
		RepositoryName string `json:"repository-name"`
	} `json:"repositories"`
	ScanType string `json:"scan-type"`
	// ECR Pull Through Cache Action.
	SyncStatus          string `json:"sync-status"`
	UpstreamRegistryURL string `json:"upstream-registry-url"`
}

// Data is the data of every com.amazonaws.ecr.* event; which of the
// optional parts are present depends on the type (see the type's JSON
// Schema).
type Data struct {
	adapter.Facts
	// Host is the registry's host, <account>.dkr.ecr.<region>.amazonaws.com.
	Host    string `json:"host,omitempty"`
	Account string `json:"account,omitempty"`
	Region  string `json:"region,omitempty"`
	// Result is how it ended: an image action's result, a scan's
	// scan-status, a pull through cache's sync-status.
	Result string `json:"result,omitempty"`
	// Tags are the tags of a scanned image (image-tags).
	Tags []string `json:"tags,omitempty"`
	// SeverityCounts are a scan's findings by severity.
	SeverityCounts map[string]int64 `json:"severity_counts,omitempty"`
	// Repositories are those whose scanning a scan resource change
	// changed.
	Repositories []string `json:"repositories,omitempty"`
	// Upstream is the registry a pull through cache pulled from.
	Upstream string `json:"upstream,omitempty"`
	// Payload is the EventBridge event as received.
	Payload json.RawMessage `json:"payload"`
}

// Decode implements adapter.Decoder: an EventBridge event is one event.
func (s *Source) Decode(d adapter.Delivery) ([]*adapter.Decoded, error) {
	return adapter.One(s.decode(d.Body))
}

func (s *Source) decode(body []byte) (*adapter.Decoded, error) {
	var env envelope
	top, err := adapter.DecodeJSON(body, &env)
	if err != nil {
		return nil, err
	}
	if env.SpecVersion != "" {
		if err := fromCloudEvent(&env); err != nil {
			return nil, err
		}
	}
	if env.Source != eventSource {
		if env.Source == "" {
			return nil, adapter.Errorf("source", "is required: an EventBridge event from ECR has source aws.ecr (post the whole event, not an input transformer's output)")
		}
		return nil, adapter.Errorf("source", "%q is not aws.ecr: the EventBridge rule forwards events of another service; match source aws.ecr in its event pattern", env.Source)
	}
	if env.DetailType == "" {
		return nil, adapter.Errorf("detail-type", "is required: it names the ECR event (ECR Image Action, ECR Image Scan…)")
	}
	if env.ID == "" {
		return nil, adapter.Errorf("id", "is required: EventBridge's id of the event")
	}
	if env.Time == "" {
		return nil, adapter.Errorf("time", "is required: the time of the event, RFC 3339")
	}
	occurred, err := time.Parse(time.RFC3339Nano, env.Time)
	if err != nil {
		return nil, adapter.Errorf("time", "%q is not an RFC 3339 time", env.Time)
	}
	if y := occurred.UTC().Year(); y < 1 || y > 9999 {
		return nil, adapter.Errorf("time", "%q is not a time in years 1 to 9999", env.Time)
	}
	det := env.Detail
	if det == nil {
		return nil, adapter.Errorf("detail", "is required: the ECR event's detail")
	}
	k, result, err := kind(env.DetailType, det)
	if err != nil {
		return nil, err
	}

	host := env.Account + ".dkr.ecr." + env.Region + ".amazonaws.com"
	if env.Account == "" || env.Region == "" || !adapter.ValidHost(host) {
		host = ""
	}
	repo, tag := det.RepositoryName, det.ImageTag
	if k.Global {
		repo, tag = "", ""
	}
	if tag == "" && len(det.ImageTags) > 0 {
		tag = det.ImageTags[0]
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
		Digest:     det.ImageDigest,
		Action:     k.Action,
		OccurredAt: occurred.UTC(),
	}
	data := Data{Facts: facts, Host: host, Account: env.Account, Region: env.Region, Result: result,
		Tags: det.ImageTags, Upstream: det.UpstreamRegistryURL, Payload: top.Payload()}
	if len(det.SeverityCounts) > 0 {
		var counts map[string]int64
		if json.Unmarshal(det.SeverityCounts, &counts) == nil && len(counts) > 0 {
			data.SeverityCounts = counts
		}
	}
	for _, r := range det.Repositories {
		if r.RepositoryName != "" {
			data.Repositories = append(data.Repositories, r.RepositoryName)
		}
	}

	source := "urn:hubwire:ecr"
	if host != "" {
		source = "https://" + host
	}
	subject, partition := k.Kind, k.Kind
	address := sinks.Address{Source: SourceName, Kind: k.Kind}
	if repo != "" {
		repoPath := escapePath(repo)
		if host != "" {
			source += "/" + repoPath
		} else {
			source += ":" + repoPath
		}
		switch {
		case tag != "":
			subject = repo + ":" + tag
		case det.ImageDigest != "":
			subject = repo + "@" + det.ImageDigest
		default:
			subject = repo
		}
		partition = repo
		address.Namespace, address.Name = namespace, name
	}
	e, err := adapter.NewEvent(adapter.Spec{
		// EventBridge's id is the same on every retry of the event and
		// unique to it.
		ID:           adapter.EventID(SourceName, env.ID),
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
	return &adapter.Decoded{Event: e, Address: address}, nil
}

// fromCloudEvent reads the CloudEvent an input transformer made of an
// image action into the EventBridge event it came from.
func fromCloudEvent(env *envelope) error {
	action, ok := transformedTypes[env.Type]
	if !ok {
		return adapter.Errorf("type", "%q is not an ECR event: post the EventBridge event itself (no input transformer), or com.amazon.ecr.image.push", env.Type)
	}
	// urn:aws:ecr:<region>:<account>:repository/<repo>
	det := &detail{ActionType: action}
	if rest, ok := strings.CutPrefix(env.Source, "urn:aws:ecr:"); ok {
		parts := strings.SplitN(rest, ":", 3)
		if len(parts) == 3 {
			env.Region, env.Account = parts[0], parts[1]
			det.RepositoryName, _ = strings.CutPrefix(parts[2], "repository/")
		}
	}
	if d := env.Data; d != nil {
		det.RepositoryName = cmp.Or(d.RepositoryName, det.RepositoryName)
		det.ImageDigest, det.ImageTag = d.ImageDigest, d.ImageTag
		env.Account = cmp.Or(d.RegistryID, env.Account)
	}
	if det.RepositoryName == "" {
		return adapter.Errorf("data.repositoryName", "is required: the repository (or a source urn:aws:ecr:<region>:<account>:repository/<name>)")
	}
	env.Source, env.DetailType, env.Detail = eventSource, detailImageAction, det
	return nil
}

// kind types an event by its detail-type (and an image action's
// action-type), and says how it ended.
func kind(detailType string, d *detail) (adapter.EventType, string, error) {
	var k adapter.EventType
	result := ""
	switch detailType {
	case detailImageAction:
		if d.ActionType == "" {
			return k, "", adapter.Errorf("detail.action-type", "is required for %s (PUSH, DELETE…)", detailType)
		}
		action := "image." + strings.ToLower(d.ActionType)
		var known bool
		if k, known = typeOf[d.ActionType]; !known || k.Kind != "push" && k.Kind != "delete" {
			k = unknown(action)
		}
		if result = d.Result; result != "" && result != "SUCCESS" {
			// A failure is not the event it failed to be.
			k = unknown(action + "_failed")
		}
	case detailImageScan:
		k = typeOf[detailType]
		if result = d.ScanStatus; result != "" && result != "COMPLETE" {
			k = unknown("image.scan_failed")
		}
	case detailScanChange:
		k = typeOf[detailType]
	case detailPullThroughCache:
		k = typeOf[detailType]
		if result = d.SyncStatus; result != "" && result != "SUCCESS" {
			k = unknown("pull_through_cache.sync_failed")
		}
	default:
		// ECR Replication Action, ECR Referrer Action and whatever AWS
		// adds: "ECR Foo Bar" is com.amazonaws.ecr.foo_bar.
		name := strings.Fields(strings.ToLower(strings.TrimPrefix(detailType, "ECR ")))
		k, result = unknown(strings.Join(name, "_")), d.Result
	}
	if k.Schema != genericSchema && !k.Global && d.RepositoryName == "" {
		return k, "", adapter.Errorf("detail.repository-name", "is required for %s", detailType)
	}
	return k, result, nil
}

// unknown types a kind hubwire does not list by its own name.
func unknown(action string) adapter.EventType {
	// What came from the wire is made one dotted word.
	action = strings.Trim(strings.Join(strings.Fields(action), "_"), ".")
	if action == "" || strings.HasSuffix(action, ".") {
		action = "event"
	}
	return adapter.EventType{Type: typePrefix + action, Kind: strings.ReplaceAll(action, ".", "_"), Action: action, Schema: genericSchema}
}

// recognizes reports whether a delivery looks like ECR's: an EventBridge
// event from aws.ecr.
func recognizes(d adapter.Delivery) bool {
	var b struct {
		Source     string          `json:"source"`
		DetailType string          `json:"detail-type"`
		Detail     json.RawMessage `json:"detail"`
		// The transformed CloudEvent.
		SpecVersion string `json:"specversion"`
		Type        string `json:"type"`
	}
	if json.Unmarshal(d.Body, &b) != nil {
		return false
	}
	if b.SpecVersion != "" {
		_, ok := transformedTypes[b.Type]
		return ok
	}
	return b.Source == eventSource && b.DetailType != "" && bytes.HasPrefix(b.Detail, []byte("{"))
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
