package main

import (
	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/hubwire/hubwire/internal/buildinfo"
)

// Version and Commit are set at build time: make passes
// -ldflags "-X main.Version=$(git describe --tags --dirty) -X main.Commit=$(git rev-parse HEAD)".
// Without them, what Go recorded of the module and its VCS is used
// (see internal/buildinfo for the version scheme).
var Version, Commit string

func versionInfo() buildinfo.Info { return buildinfo.Get(Version, Commit, natsserver.VERSION) }

// version is the semantic version of this binary.
func version() string { return versionInfo().Version }
