package acr

import (
	"github.com/hubwire/hubwire/adapter"
)

// Registry describes Azure Container Registry to the rest of hubwire.
var Registry = adapter.Registry{
	Name:          SourceName,
	Title:         "Azure Container Registry",
	Types:         types,
	Samples:       Samples,
	DefaultSample: "push",
	Freshen:       freshen,
	New:           func(schemaBase string) adapter.Decoder { return New(schemaBase) },
	Recognizes:    recognizes,
}

// typePrefix starts every ACR CloudEvent type: the reverse DNS of
// azurecr.io, the registry's own domain. An action hubwire does not know
// is typed typePrefix + its name.
const typePrefix = "io.azurecr."

// genericSchema is the schema of the data of actions not listed in types.
const genericSchema = "acr.event"

// types are the actions ACR's webhooks send (its ping aside). Native and
// Kind are ACR's own action names.
var types = []adapter.EventType{
	{Native: "push", Type: typePrefix + "image.pushed", Kind: "push", Action: "image.pushed", Schema: "acr.image.pushed", Sample: "push", Summary: "An image was pushed to a repository."},
	{Native: "delete", Type: typePrefix + "image.deleted", Kind: "delete", Action: "image.deleted", Schema: "acr.image.deleted", Sample: "delete", Summary: "A manifest or a repository was deleted."},
	{Native: "quarantine", Type: typePrefix + "image.quarantined", Kind: "quarantine", Action: "image.quarantined", Schema: "acr.image.quarantined", Sample: "quarantine", Summary: "A pushed image was put in quarantine."},
	{Native: "chart_push", Type: typePrefix + "chart.pushed", Kind: "chart_push", Action: "chart.pushed", Schema: "acr.chart.pushed", Sample: "chart-push", Summary: "A Helm chart was pushed to a repository."},
	{Native: "chart_delete", Type: typePrefix + "chart.deleted", Kind: "chart_delete", Action: "chart.deleted", Schema: "acr.chart.deleted", Sample: "chart-delete", Summary: "A Helm chart was deleted from a repository."},
}

// byAction finds an event type by ACR's action name.
var byAction = func() map[string]adapter.EventType {
	m := map[string]adapter.EventType{}
	for _, t := range types {
		m[t.Native] = t
	}
	return m
}()

// ping is the action of the portal's and the CLI's test delivery.
const ping = "ping"
