package github

import (
	"github.com/hubwire/hubwire/adapter"
)

// Registry describes GitHub Packages (the container registry at ghcr.io) to
// the rest of hubwire.
var Registry = adapter.Registry{
	Name:          SourceName,
	Title:         "GitHub Packages",
	Types:         types,
	Samples:       Samples,
	DefaultSample: "package-published",
	Freshen:       freshen,
	New:           func(schemaBase string) adapter.Decoder { return New(schemaBase) },
	// GitHub sends the JSON in a form field when the webhook's content
	// type is set to application/x-www-form-urlencoded.
	MediaTypes:    []string{formType},
	Recognizes:    recognizes,
	SampleRequest: sampleRequest,
}

// typePrefix begins the CloudEvent type of every package event; an action
// hubwire does not list is typed typePrefix + the action.
const typePrefix = "com.github.package."

// types are the actions of GitHub's package event (and of registry_package,
// its older name, which carries the same actions).
var types = []adapter.EventType{
	{Native: "published", Type: typePrefix + "published", Kind: "package_published", Action: "package.published", Schema: "github.package.published", Sample: "package-published", Summary: "A package version (a container image manifest) was published."},
	{Native: "updated", Type: typePrefix + "updated", Kind: "package_updated", Action: "package.updated", Schema: "github.package.updated", Sample: "package-updated", Summary: "A published package version was updated."},
}

// genericSchema is the schema of the data of an action hubwire does not list.
const genericSchema = "github.event"
