package artifactory

import (
	"github.com/hubwire/hubwire/adapter"
)

// Registry describes JFrog Artifactory (its Docker webhooks) to the rest
// of hubwire.
var Registry = adapter.Registry{
	Name:          SourceName,
	Title:         "JFrog Artifactory",
	Types:         types,
	Samples:       Samples,
	DefaultSample: "docker-pushed",
	Freshen:       freshen,
	New:           func(schemaBase string) adapter.Decoder { return New(schemaBase) },
	Recognizes:    recognizes,
}

// typePrefix starts every Artifactory CloudEvent type: the reverse DNS of
// jfrog.com and the product. An event hubwire does not list is typed
// typePrefix + <domain>.<event_type>.
const typePrefix = "com.jfrog.artifactory."

// genericSchema is the schema of the data of events not listed in types.
const genericSchema = "artifactory.event"

// dockerDomain is the webhook domain of Docker events, the only one whose
// events name an image.
const dockerDomain = "docker"

// types are the events of the docker domain. Native is Artifactory's
// event_type.
var types = []adapter.EventType{
	{Native: "pushed", Type: typePrefix + "docker.pushed", Kind: "docker_pushed", Action: "docker.pushed", Schema: "artifactory.docker.pushed", Sample: "docker-pushed", Summary: "A tag of a Docker image was pushed to a repository."},
	{Native: "deleted", Type: typePrefix + "docker.deleted", Kind: "docker_deleted", Action: "docker.deleted", Schema: "artifactory.docker.deleted", Sample: "docker-deleted", Summary: "A tag of a Docker image was deleted from a repository."},
	{Native: "promoted", Type: typePrefix + "docker.promoted", Kind: "docker_promoted", Action: "docker.promoted", Schema: "artifactory.docker.promoted", Sample: "docker-promoted", Summary: "A tag of a Docker image was promoted."},
}

// byEvent finds a listed type by the docker domain's event_type.
var byEvent = func() map[string]adapter.EventType {
	m := map[string]adapter.EventType{}
	for _, t := range types {
		m[t.Native] = t
	}
	return m
}()
