package ecr

import (
	"github.com/hubwire/hubwire/adapter"
)

// Registry describes Amazon ECR, through an EventBridge API destination,
// to the rest of hubwire.
var Registry = adapter.Registry{
	Name:          SourceName,
	Title:         "Amazon ECR",
	Types:         types,
	Samples:       Samples,
	DefaultSample: "push",
	Freshen:       freshen,
	New:           func(schemaBase string) adapter.Decoder { return New(schemaBase) },
	Recognizes:    recognizes,
	// Neither sends webhooks of its own: the URL goes into another
	// service's settings.
	WebhookHint: "  (an EventBridge API destination's endpoint; see docs/registries.md)",
}

// typePrefix starts every ECR CloudEvent type: the reverse DNS of
// amazonaws.com, ECR's own domain. A kind hubwire does not know is typed
// typePrefix + its name.
const typePrefix = "com.amazonaws.ecr."

// genericSchema is the schema of the data of kinds not listed in types.
const genericSchema = "ecr.event"

// EventBridge's detail-types of ECR's events.
const (
	detailImageAction      = "ECR Image Action"
	detailImageScan        = "ECR Image Scan"
	detailScanChange       = "ECR Scan Resource Change"
	detailPullThroughCache = "ECR Pull Through Cache Action"
)

// types are the events ECR sends to EventBridge. Native is the image
// action's action-type, or the detail-type of the others.
var types = []adapter.EventType{
	{Native: "PUSH", Type: typePrefix + "image.pushed", Kind: "push", Action: "image.pushed", Schema: "ecr.image.pushed", Sample: "push", Summary: "An image was pushed to a repository."},
	{Native: "DELETE", Type: typePrefix + "image.deleted", Kind: "delete", Action: "image.deleted", Schema: "ecr.image.deleted", Sample: "delete", Summary: "An image (a tag or a digest) was deleted from a repository."},
	{Native: detailImageScan, Type: typePrefix + "image.scanned", Kind: "scan", Action: "image.scanned", Schema: "ecr.image.scanned", Sample: "scan", Summary: "A basic vulnerability scan of an image completed, with its finding counts."},
	{Native: detailScanChange, Type: typePrefix + "scan_configuration.changed", Kind: "scan_resource_change", Action: "scan_configuration.changed", Schema: "ecr.scan_configuration.changed", Sample: "scan-resource-change", Summary: "The enhanced scanning of repositories was switched on, off or changed.", Global: true},
	{Native: detailPullThroughCache, Type: typePrefix + "pull_through_cache.synced", Kind: "pull_through_cache", Action: "pull_through_cache.synced", Schema: "ecr.pull_through_cache.synced", Sample: "pull-through-cache", Summary: "A pull through cache rule brought an image from its upstream registry."},
}

// typeOf is the listed type of each native name.
var typeOf = func() map[string]adapter.EventType {
	m := map[string]adapter.EventType{}
	for _, t := range types {
		m[t.Native] = t
	}
	return m
}()
