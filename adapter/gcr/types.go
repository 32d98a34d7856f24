package gcr

import (
	"github.com/hubwire/hubwire/adapter"
)

// Registry describes Google Artifact Registry (and Container Registry),
// through a Pub/Sub push subscription, to the rest of hubwire.
var Registry = adapter.Registry{
	Name:          SourceName,
	Title:         "Google Artifact Registry",
	Types:         types,
	Samples:       Samples,
	DefaultSample: "insert-tag",
	Freshen:       freshen,
	New:           func(schemaBase string) adapter.Decoder { return New(schemaBase) },
	Recognizes:    recognizes,
	// Neither sends webhooks of its own: the URL goes into another
	// service's settings.
	WebhookHint: "  (a Pub/Sub push subscription's endpoint; see docs/registries.md)",
}

// typePrefix starts every Artifact Registry CloudEvent type: the reverse
// DNS of Google's domain and the product. An action hubwire does not know
// is typed typePrefix + image.<action>.
const typePrefix = "com.google.artifactregistry."

// genericSchema is the schema of the data of actions not listed in types.
const genericSchema = "gcr.event"

// types are what Artifact Registry publishes on its gcr topic: an upload,
// a new tag and a delete are each a message, told apart by action and by
// whether tag is there. Native is the message's action.
var types = []adapter.EventType{
	{Native: "INSERT", Type: typePrefix + "image.pushed", Kind: "insert", Action: "image.pushed", Schema: "gcr.image.pushed", Sample: "insert", Summary: "An image (a manifest, by digest) was uploaded; its tags come as tag.pushed."},
	{Type: typePrefix + "tag.pushed", Kind: "insert_tag", Action: "tag.pushed", Schema: "gcr.tag.pushed", Sample: "insert-tag", Summary: "A tag was pushed, or moved, to an image."},
	{Native: "DELETE", Type: typePrefix + "image.deleted", Kind: "delete", Action: "image.deleted", Schema: "gcr.image.deleted", Sample: "delete", Summary: "An image (a manifest, by digest) was deleted."},
	{Type: typePrefix + "tag.deleted", Kind: "delete_tag", Action: "tag.deleted", Schema: "gcr.tag.deleted", Sample: "delete-tag", Summary: "A tag was deleted."},
}

// byAction is the listed type of each action, without and with a tag.
var byAction = map[string][2]adapter.EventType{
	"INSERT": {types[0], types[1]},
	"DELETE": {types[2], types[3]},
}
