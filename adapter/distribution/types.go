package distribution

import (
	"net/http"
	"net/url"

	"github.com/hubwire/hubwire/adapter"
)

// Registry describes the CNCF distribution registry (registry:2, v3, and
// the registries built on it, GitLab's among them) to the rest of hubwire.
var Registry = adapter.Registry{
	Name:          SourceName,
	Title:         "CNCF distribution",
	Types:         types,
	Samples:       Samples,
	DefaultSample: "push-manifest-and-blobs-envelope-docs",
	Freshen:       freshen,
	New:           func(schemaBase string) adapter.Decoder { return New(schemaBase) },
	// A push sends one event per layer and config blob besides the one
	// for the manifest, and a pull one per blob fetched: published by
	// default they would bury the manifest events consumers want. The
	// config file's publish brings them back.
	Drop:          []string{Prefix + "blob.*"},
	Recognizes:    recognizes,
	SampleRequest: sampleRequest,
}

// Prefix starts every CloudEvent type of distribution: the reverse DNS of
// cncf.io's distribution project.
const Prefix = "io.cncf.distribution."

// types are the kinds of event distribution sends: an action (push, pull,
// mount, delete) on a manifest or a blob, and the deletes of a tag or a
// whole repository. Distribution names none of them (its wire format says
// the action and leaves the rest to target), so Native is empty.
var types = []adapter.EventType{
	{Type: Prefix + "manifest.pushed", Kind: "manifest_pushed", Action: "manifest.pushed", Schema: "distribution.manifest.pushed", Sample: "push-manifest-and-blobs-envelope-docs", Summary: "A manifest was pushed to a repository."},
	{Type: Prefix + "manifest.pulled", Kind: "manifest_pulled", Action: "manifest.pulled", Schema: "distribution.manifest.pulled", Sample: "pull-manifest-docs", Summary: "A manifest was pulled from a repository."},
	{Type: Prefix + "manifest.deleted", Kind: "manifest_deleted", Action: "manifest.deleted", Schema: "distribution.manifest.deleted", Sample: "manifest-delete", Summary: "A manifest was deleted from a repository."},
	{Type: Prefix + "blob.pushed", Kind: "blob_pushed", Action: "blob.pushed", Schema: "distribution.blob.pushed", Sample: "push-manifest-and-blobs-envelope-docs", Summary: "A blob (a layer or config) was pushed to a repository."},
	{Type: Prefix + "blob.pulled", Kind: "blob_pulled", Action: "blob.pulled", Schema: "distribution.blob.pulled", Sample: "blob-pull", Summary: "A blob (a layer or config) was pulled from a repository."},
	{Type: Prefix + "blob.mounted", Kind: "blob_mounted", Action: "blob.mounted", Schema: "distribution.blob.mounted", Sample: "blob-mount", Summary: "A blob was mounted into a repository from another one."},
	{Type: Prefix + "blob.deleted", Kind: "blob_deleted", Action: "blob.deleted", Schema: "distribution.blob.deleted", Sample: "blob-delete", Summary: "A blob was deleted from a repository."},
	{Type: Prefix + "tag.deleted", Kind: "tag_deleted", Action: "tag.deleted", Schema: "distribution.tag.deleted", Sample: "tag-delete", Summary: "A tag was deleted from a repository."},
	{Type: Prefix + "repository.deleted", Kind: "repository_deleted", Action: "repository.deleted", Schema: "distribution.repository.deleted", Sample: "repository-delete", Summary: "A repository was deleted."},
}

// EventsMediaType is the Content-Type distribution 3.x posts with; 2.8 and
// earlier sent the v1 one.
const EventsMediaType = "application/vnd.docker.distribution.events.v2+json"

// sampleRequest sends every sample as distribution 3.x does, with its own
// media type: the receiver must take it as JSON.
func sampleRequest(string) (http.Header, url.Values) {
	return http.Header{"Content-Type": {EventsMediaType}}, nil
}
