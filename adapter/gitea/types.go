package gitea

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/hubwire/hubwire/adapter"
)

// Registry describes the package registries of Gitea and Forgejo (and so
// Codeberg) to the rest of hubwire.
var Registry = adapter.Registry{
	Name:          SourceName,
	Title:         "Gitea / Forgejo",
	Types:         types,
	Samples:       Samples,
	DefaultSample: "container-created",
	Freshen:       freshen,
	New:           func(schemaBase string) adapter.Decoder { return New(schemaBase) },
	// Gitea sends the JSON in a form field when the webhook's content
	// type is set to form.
	MediaTypes:    []string{formType},
	Recognizes:    recognizes,
	SampleRequest: sampleRequest,
}

// formType is the Content-Type of a form-encoded delivery.
const formType = "application/x-www-form-urlencoded"

// typePrefix starts every Gitea CloudEvent type: the reverse DNS of
// gitea.io, the project's domain (Forgejo's deliveries are Gitea's).
const typePrefix = "io.gitea."

// genericSchema is the schema of the data of actions not listed in types.
const genericSchema = "gitea.event"

// containerType is the package type of container images.
const containerType = "container"

// types are the package event's two actions, for container images and for
// every other kind of package. Native is Gitea's action, for images.
var types = []adapter.EventType{
	{Native: "created", Type: typePrefix + "image.created", Kind: "image_created", Action: "image.created", Schema: "gitea.image.created", Sample: "container-created", Summary: "A container image manifest (a tag, or an untagged manifest by its digest) was pushed to a package registry."},
	{Native: "deleted", Type: typePrefix + "image.deleted", Kind: "image_deleted", Action: "image.deleted", Schema: "gitea.image.deleted", Sample: "container-deleted", Summary: "A container image version was deleted from a package registry."},
	{Type: typePrefix + "package.created", Kind: "package_created", Action: "package.created", Schema: "gitea.package.created", Sample: "package-created", Summary: "A package version other than a container image (npm, Maven, …) was published."},
	{Type: typePrefix + "package.deleted", Kind: "package_deleted", Action: "package.deleted", Schema: "gitea.package.deleted", Sample: "package-deleted", Summary: "A package version other than a container image was deleted."},
}

// byAction finds a listed type by its data.action (image.created, …).
var byAction = func() map[string]adapter.EventType {
	m := map[string]adapter.EventType{}
	for _, t := range types {
		m[t.Action] = t
	}
	return m
}()

// sampleRequest gives each sample the headers Gitea sends a package event
// with: X-Gitea-Event-Type names it, X-Gitea-Event and the GitHub-style
// X-GitHub-Event are empty (Gitea names no event for packages there), and
// a delivery id; Forgejo's samples also carry its X-Forgejo-* headers.
func sampleRequest(sample string) (http.Header, url.Values) {
	const delivery = "4f3c2b1a-0d9e-4c8b-a7f6-e5d4c3b2a190"
	h := http.Header{}
	prefixes := []string{"X-Gitea-", "X-Gogs-"}
	if strings.HasPrefix(sample, "forgejo-") {
		prefixes = append(prefixes, "X-Forgejo-")
	}
	for _, p := range prefixes {
		h.Set(p+"Delivery", delivery)
		h.Set(p+"Event", "")
		h.Set(p+"Event-Type", "package")
	}
	h.Set("X-GitHub-Delivery", delivery)
	h.Set("X-GitHub-Event", "")
	h.Set("X-GitHub-Event-Type", "package")
	h.Set("User-Agent", "Go-http-client/1.1")
	return h, nil
}
