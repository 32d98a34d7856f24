package harbor

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/hubwire/hubwire/adapter"
)

// Registry describes Harbor to the rest of hubwire.
var Registry = adapter.Registry{
	Name:          SourceName,
	Title:         "Harbor",
	Types:         types,
	Samples:       Samples,
	DefaultSample: "push-artifact",
	Freshen:       freshen,
	New:           func(schemaBase string) adapter.Decoder { return New(schemaBase) },
	// Harbor's CloudEvents format posts structured CloudEvents.
	MediaTypes:    []string{cloudEventsMediaType},
	Recognizes:    recognizes,
	SampleRequest: sampleRequest,
}

// cloudEventsMediaType is the Content-Type of a policy whose payload
// format is CloudEvents (structured mode: the whole event is the body).
const cloudEventsMediaType = "application/cloudevents+json"

// typePrefix starts every Harbor CloudEvent type: the reverse DNS of
// goharbor.io, the project's own domain. A kind hubwire does not know is
// typed typePrefix + its name.
const typePrefix = "io.goharbor."

// genericSchema is the schema of the data of kinds not listed in types.
const genericSchema = "harbor.event"

// types are the event types Harbor 2.x offers to webhooks. Native is the
// Default format's type; Kind its token in the NATS subject.
var types = []adapter.EventType{
	{Native: "PUSH_ARTIFACT", Type: typePrefix + "artifact.pushed", Kind: "artifact_pushed", Action: "artifact.pushed", Schema: "harbor.artifact.pushed", Sample: "push-artifact", Summary: "An artifact was pushed to a repository."},
	{Native: "PULL_ARTIFACT", Type: typePrefix + "artifact.pulled", Kind: "artifact_pulled", Action: "artifact.pulled", Schema: "harbor.artifact.pulled", Sample: "pull-artifact", Summary: "An artifact was pulled from a repository."},
	{Native: "DELETE_ARTIFACT", Type: typePrefix + "artifact.deleted", Kind: "artifact_deleted", Action: "artifact.deleted", Schema: "harbor.artifact.deleted", Sample: "delete-artifact", Summary: "An artifact was deleted from a repository."},
	{Native: "SCANNING_COMPLETED", Type: typePrefix + "scan.completed", Kind: "scan_completed", Action: "scan.completed", Schema: "harbor.scan.completed", Sample: "scanning-completed", Summary: "A vulnerability scan of an artifact completed."},
	{Native: "SCANNING_FAILED", Type: typePrefix + "scan.failed", Kind: "scan_failed", Action: "scan.failed", Schema: "harbor.scan.failed", Sample: "scanning-failed", Summary: "A vulnerability scan of an artifact failed."},
	{Native: "SCANNING_STOPPED", Type: typePrefix + "scan.stopped", Kind: "scan_stopped", Action: "scan.stopped", Schema: "harbor.scan.stopped", Sample: "scanning-stopped", Summary: "A vulnerability scan of an artifact was stopped."},
	{Native: "QUOTA_EXCEED", Type: typePrefix + "quota.exceeded", Kind: "quota_exceeded", Action: "quota.exceeded", Schema: "harbor.quota.exceeded", Sample: "quota-exceed", Summary: "A push was refused because it would exceed the project's quota."},
	{Native: "QUOTA_WARNING", Type: typePrefix + "quota.warning", Kind: "quota_warning", Action: "quota.warning", Schema: "harbor.quota.warning", Sample: "quota-warning", Summary: "A project's storage use crossed the quota's warning threshold."},
	{Native: "REPLICATION", Type: typePrefix + "replication.status.changed", Kind: "replication", Action: "replication.status.changed", Schema: "harbor.replication.status.changed", Sample: "replication", Summary: "A replication task finished, with its status.", Global: true},
	{Native: "TAG_RETENTION", Type: typePrefix + "tag_retention.finished", Kind: "tag_retention", Action: "tag_retention.finished", Schema: "harbor.tag_retention.finished", Sample: "tag-retention", Summary: "A tag retention run deleted artifacts.", Global: true},
}

// byName finds an event type by any of Harbor's names of it: the Default
// format's (2.x), the 1.x one older installs still send, and the
// CloudEvents format's type.
var byName = func() map[string]adapter.EventType {
	m := map[string]adapter.EventType{}
	for _, t := range types {
		m[t.Native] = t
	}
	get := func(native string) adapter.EventType { return m[native] }
	for alias, native := range map[string]string{
		"pushImage": "PUSH_ARTIFACT", "pullImage": "PULL_ARTIFACT", "deleteImage": "DELETE_ARTIFACT",
		"scanningCompleted": "SCANNING_COMPLETED", "scanningFailed": "SCANNING_FAILED",
		"projectQuota":           "QUOTA_EXCEED",
		"harbor.artifact.pushed": "PUSH_ARTIFACT", "harbor.artifact.pulled": "PULL_ARTIFACT", "harbor.artifact.deleted": "DELETE_ARTIFACT",
		"harbor.scan.completed": "SCANNING_COMPLETED", "harbor.scan.failed": "SCANNING_FAILED", "harbor.scan.stopped": "SCANNING_STOPPED",
		"harbor.quota.exceeded": "QUOTA_EXCEED", "harbor.quota.warned": "QUOTA_WARNING",
		"harbor.replication.status.changed": "REPLICATION", "harbor.tag_retention.finished": "TAG_RETENTION",
	} {
		m[alias] = get(native)
	}
	// Harbor 1.x's chart events have no 2.x counterpart (2.x dropped
	// ChartMuseum), so they are not listed, but keep names of their own
	// and the generic schema.
	for native, action := range map[string]string{"uploadChart": "chart.uploaded", "downloadChart": "chart.downloaded", "deleteChart": "chart.deleted"} {
		m[native] = adapter.EventType{Type: typePrefix + action, Kind: strings.ReplaceAll(action, ".", "_"), Action: action, Schema: genericSchema}
	}
	return m
}()

// pings are the types of Harbor's "test endpoint" deliveries, which carry
// nothing to publish.
var pings = map[string]bool{"testEndpoint": true, "TEST_ENDPOINT": true}

// unknownType types a kind hubwire does not know by its own name:
// harbor.x.y (CloudEvents) as io.goharbor.x.y, FOO_BAR as
// io.goharbor.foo_bar.
func unknownType(name string) adapter.EventType {
	action := strings.ToLower(strings.TrimPrefix(name, "harbor."))
	return adapter.EventType{Type: typePrefix + action, Kind: strings.ReplaceAll(action, ".", "_"), Action: action, Schema: genericSchema}
}

// sampleRequest gives the CloudEvents samples the Content-Type Harbor
// sends them with; the Default ones are plain JSON.
func sampleRequest(sample string) (http.Header, url.Values) {
	if strings.HasSuffix(sample, "-cloudevents") {
		return http.Header{"Content-Type": {cloudEventsMediaType}}, nil
	}
	return nil, nil
}
