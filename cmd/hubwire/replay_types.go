package main

import (
	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/sinks"
)

// eventKinds maps every CloudEvent type hubwire makes to the source and
// kind tokens of its NATS subjects, so that --type becomes a subject
// filter.
func eventKinds() map[string]sinks.Address {
	kinds := map[string]sinks.Address{}
	for _, r := range all.Registries {
		for _, t := range r.Types {
			kinds[t.Type] = sinks.Address{Source: r.Name, Kind: t.Kind}
		}
	}
	return kinds
}

// knownTypes lists the types of eventKinds, sorted.
func knownTypes() []string { return all.Registries.Types() }
