package zot

import (
	"net/http"
	"net/url"

	"github.com/hubwire/hubwire/adapter"
)

// Registry describes zot to the rest of hubwire.
var Registry = adapter.Registry{
	Name:          SourceName,
	Title:         "zot",
	Types:         types,
	Samples:       Samples,
	DefaultSample: "image-updated",
	Freshen:       freshen,
	FreshenHeader: freshenHeader,
	New:           func(schemaBase string) adapter.Decoder { return New(schemaBase) },
	Recognizes:    recognizes,
	SampleRequest: sampleRequest,
}

// zotPrefix starts zot's own CloudEvent types (zotregistry.image.updated).
const zotPrefix = "zotregistry."

// typePrefix starts every zot CloudEvent type hubwire publishes: the
// reverse DNS of zotregistry.dev, the project's own domain. A kind hubwire
// does not know is typed typePrefix + its name.
const typePrefix = "dev.zotregistry."

// genericSchema is the schema of the data of kinds not listed in types.
const genericSchema = "zot.event"

// types are the events zot's events extension sends. Native is zot's own
// CloudEvent type.
var types = []adapter.EventType{
	{Native: zotPrefix + "repository.created", Type: typePrefix + "repository.created", Kind: "repository_created", Action: "repository.created", Schema: "zot.repository.created", Sample: "repository-created", Summary: "A repository was created, by the first push to it."},
	{Native: zotPrefix + "image.updated", Type: typePrefix + "image.updated", Kind: "image_updated", Action: "image.updated", Schema: "zot.image.updated", Sample: "image-updated", Summary: "An image was pushed: a tag now points at a new manifest, or a manifest was pushed by digest."},
	{Native: zotPrefix + "image.deleted", Type: typePrefix + "image.deleted", Kind: "image_deleted", Action: "image.deleted", Schema: "zot.image.deleted", Sample: "image-deleted", Summary: "An image (a tag or a manifest) was deleted."},
	{Native: zotPrefix + "image.lint_failed", Type: typePrefix + "image.lint_failed", Kind: "image_lint_failed", Action: "image.lint_failed", Schema: "zot.image.lint_failed", Sample: "image-lint-failed", Summary: "A pushed manifest failed zot's lint checks and was refused."},
	{Native: zotPrefix + "image.scanned", Type: typePrefix + "image.scanned", Kind: "image_scanned", Action: "image.scanned", Schema: "zot.image.scanned", Sample: "image-scanned", Summary: "A vulnerability scan of an image completed, with its summary."},
}

// sampleHeaders are the CloudEvent headers zot sends each sample with.
var sampleHeaders = map[string]struct{ id, typ, time string }{
	"repository-created": {"5f0c9c3e-5a55-4bd1-9d86-2bd3f3e1c0a1", "repository.created", "2025-06-10T09:14:02.118253771Z"},
	"image-updated":      {"a1e7f4de-0b7f-4f87-9c43-7e0f6e58f2b4", "image.updated", "2025-06-10T09:14:03.402117906Z"},
	"image-deleted":      {"0d3c1e55-8a2f-4d3e-b1a0-6f5f3c2e9b77", "image.deleted", "2025-06-11T16:40:51.77301184Z"},
	"image-lint-failed":  {"7b2f0e8c-4c1d-4a0e-8f55-2d6c9e1b3a90", "image.lint_failed", "2025-06-12T07:03:19.5510394Z"},
	"image-scanned":      {"c4d2a6b8-1e3f-45a7-9b0c-8d7e6f5a4b3c", "image.scanned", "2025-06-10T09:15:47.08812Z"},
}

// sampleRequest gives each sample the headers zot's HTTP sink sends: a
// binary-mode CloudEvent.
func sampleRequest(sample string) (http.Header, url.Values) {
	h, ok := sampleHeaders[sample]
	if !ok {
		return nil, nil
	}
	return http.Header{
		"Content-Type":   {"application/json"},
		"Ce-Specversion": {"1.0"},
		"Ce-Id":          {h.id},
		"Ce-Source":      {eventSource},
		"Ce-Type":        {zotPrefix + h.typ},
		"Ce-Time":        {h.time},
	}, nil
}
