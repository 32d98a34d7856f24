// Package all lists every registry hubwire takes webhooks from. It is the
// one place that names them: the receiver's routes, the per-source tokens
// and settings, the printed webhook URLs, hubwire send, replay --type, the
// schemas and the AsyncAPI document all iterate this list. Adding a
// registry is its package under adapter/, its schemas under schemas/, and
// one line here, after which make asyncapi regenerates the AsyncAPI
// document from the list (see the README's "Adding a registry").
package all

import (
	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/acr"
	"github.com/hubwire/hubwire/adapter/artifactory"
	"github.com/hubwire/hubwire/adapter/distribution"
	"github.com/hubwire/hubwire/adapter/dockerhub"
	"github.com/hubwire/hubwire/adapter/dtr"
	"github.com/hubwire/hubwire/adapter/ecr"
	"github.com/hubwire/hubwire/adapter/gcr"
	"github.com/hubwire/hubwire/adapter/gitea"
	"github.com/hubwire/hubwire/adapter/github"
	"github.com/hubwire/hubwire/adapter/harbor"
	"github.com/hubwire/hubwire/adapter/nexus"
	"github.com/hubwire/hubwire/adapter/quay"
	"github.com/hubwire/hubwire/adapter/zot"
)

// Registries are the registries hubwire serves, in the order it prints
// them.
var Registries = adapter.List{
	dockerhub.Registry,
	dtr.Registry,
	github.Registry,
	harbor.Registry,
	distribution.Registry,
	acr.Registry,
	quay.Registry,
	artifactory.Registry,
	nexus.Registry,
	gitea.Registry,
	zot.Registry,
	ecr.Registry,
	gcr.Registry,
}
