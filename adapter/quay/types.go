package quay

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/hubwire/hubwire/adapter"
)

// Registry describes Quay (quay.io, Project Quay, Red Hat Quay) to the rest
// of hubwire.
var Registry = adapter.Registry{
	Name:          SourceName,
	Title:         "Quay",
	Types:         types,
	Samples:       Samples,
	DefaultSample: "repo-push",
	Freshen:       freshen,
	New:           func(schemaBase string) adapter.Decoder { return New(schemaBase) },
	Recognizes:    recognizes,
	SampleRequest: sampleRequest,
	WebhookHint:   "?event=<kind>, one notification per kind: " + strings.Join(kindNames(types), ", "),
}

// types are the Quay notification kinds hubwire types. Quay's other kinds
// (mirror sync, image expiry, quota) are accepted too, typed by their own
// name with the generic schema quay.event, since Quay documents no
// payload of theirs.
var types = []adapter.EventType{
	{Native: "repo_push", Type: "io.quay.repo.pushed", Kind: "repo_push", Action: "repo.pushed", Schema: "quay.repo.pushed", Sample: "repo-push", Summary: "A tag was pushed to a repository."},
	{Native: "build_queued", Type: "io.quay.build.queued", Kind: "build_queued", Action: "build.queued", Schema: "quay.build.queued", Sample: "build-queued", Summary: "A build of a repository was queued."},
	{Native: "build_start", Type: "io.quay.build.started", Kind: "build_start", Action: "build.started", Schema: "quay.build.started", Sample: "build-start", Summary: "A build of a repository started."},
	{Native: "build_success", Type: "io.quay.build.succeeded", Kind: "build_success", Action: "build.succeeded", Schema: "quay.build.succeeded", Sample: "build-success", Summary: "A build of a repository succeeded."},
	{Native: "build_failure", Type: "io.quay.build.failed", Kind: "build_failure", Action: "build.failed", Schema: "quay.build.failed", Sample: "build-failure", Summary: "A build of a repository failed."},
	{Native: "build_cancelled", Type: "io.quay.build.cancelled", Kind: "build_cancelled", Action: "build.cancelled", Schema: "quay.build.cancelled", Sample: "build-cancelled", Summary: "A build of a repository was cancelled."},
	{Native: "vulnerability_found", Type: "io.quay.vulnerability.found", Kind: "vulnerability_found", Action: "vulnerability.found", Schema: "quay.vulnerability.found", Sample: "vulnerability-found", Summary: "A vulnerability was found in an image of a repository."},
}

// otherKinds are Quay's notification kinds with no type of their own
// (notifications/notificationevent.py): accepted with the generic schema.
// The quota kinds are about a namespace, not a repository.
var otherKinds = []string{
	"repo_mirror_sync_started", "repo_mirror_sync_success", "repo_mirror_sync_failed",
	"repo_image_expiry", "quota_warning", "quota_error",
}

// genericSchema is the schema of the kinds in otherKinds.
const genericSchema = "quay.event"

// genericPrefix types a kind of otherKinds: io.quay.<kind>.
const genericPrefix = "io.quay."

func kindNames(ts []adapter.EventType) []string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Native
	}
	return names
}

// sampleRequest gives each sample the ?event= of its kind, which Quay's
// request never says: it is in the URL the user configured.
func sampleRequest(sample string) (http.Header, url.Values) {
	for _, t := range types {
		if strings.HasPrefix(sample, t.Sample) {
			return nil, url.Values{"event": {t.Native}}
		}
	}
	return nil, nil
}
