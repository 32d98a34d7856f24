package nexus

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/hubwire/hubwire/adapter"
)

// Registry describes Sonatype Nexus Repository 3 to the rest of hubwire.
var Registry = adapter.Registry{
	Name:          SourceName,
	Title:         "Sonatype Nexus Repository",
	Types:         types,
	Samples:       Samples,
	DefaultSample: "component-created",
	Freshen:       freshen,
	New:           func(schemaBase string) adapter.Decoder { return New(schemaBase) },
	Recognizes:    recognizes,
	SampleRequest: sampleRequest,
}

// typePrefix starts every Nexus CloudEvent type: the reverse DNS of
// sonatype.com and the product. An event hubwire does not list is typed
// typePrefix + <kind>.<action>.
const typePrefix = "com.sonatype.nexus."

// genericSchema is the schema of the data of events not listed in types.
const genericSchema = "nexus.event"

// The webhook ids (X-Nexus-Webhook-ID) of the repository webhooks, whose
// events hubwire types.
const (
	webhookComponent = "rm:repository:component"
	webhookAsset     = "rm:repository:asset"
)

// types are the actions of the component and asset webhooks. Native is
// <kind>_<action>, since Nexus names the kind in a header and the action
// in the body.
var types = []adapter.EventType{
	{Native: "component_created", Type: typePrefix + "component.created", Kind: "component_created", Action: "component.created", Schema: "nexus.component.created", Sample: "component-created", Summary: "A component (for Docker, an image's tag) was created in a repository."},
	{Native: "component_updated", Type: typePrefix + "component.updated", Kind: "component_updated", Action: "component.updated", Schema: "nexus.component.updated", Sample: "component-updated", Summary: "A component was updated (Nexus 3.70 and later send several for one upload)."},
	{Native: "component_deleted", Type: typePrefix + "component.deleted", Kind: "component_deleted", Action: "component.deleted", Schema: "nexus.component.deleted", Sample: "component-deleted", Summary: "A component was deleted from a repository."},
	{Native: "asset_created", Type: typePrefix + "asset.created", Kind: "asset_created", Action: "asset.created", Schema: "nexus.asset.created", Sample: "asset-created", Summary: "An asset (for Docker, a manifest or a blob) was created in a repository."},
	{Native: "asset_updated", Type: typePrefix + "asset.updated", Kind: "asset_updated", Action: "asset.updated", Schema: "nexus.asset.updated", Sample: "asset-updated", Summary: "An asset was updated."},
	{Native: "asset_deleted", Type: typePrefix + "asset.deleted", Kind: "asset_deleted", Action: "asset.deleted", Schema: "nexus.asset.deleted", Sample: "asset-deleted", Summary: "An asset was deleted from a repository."},
}

// byKind finds a listed type by <kind>.<action>, lowercase.
var byKind = func() map[string]adapter.EventType {
	m := map[string]adapter.EventType{}
	for _, t := range types {
		m[t.Action] = t
	}
	return m
}()

// sampleRequest gives each sample the headers Nexus sends it with: the
// webhook id that names its kind, a delivery id, Nexus's Content-Type.
func sampleRequest(sample string) (http.Header, url.Values) {
	h := http.Header{}
	id := webhookComponent
	if strings.HasPrefix(sample, "asset") {
		id = webhookAsset
	}
	h.Set("X-Nexus-Webhook-ID", id)
	h.Set("X-Nexus-Webhook-Delivery", "7f8e9d0c-1b2a-4c3d-8e5f-6a7b8c9d0e1f")
	h.Set("Content-Type", "application/json; charset=UTF-8")
	h.Set("User-Agent", "Nexus/3.71.0-06 (OSS; Linux; 5.15.0; amd64; 17.0.11)")
	return h, nil
}
