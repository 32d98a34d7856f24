package main

import (
	"io/fs"
	"sort"
	"sync"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/dockerhub"
	"github.com/hubwire/hubwire/adapter/dtr"
	"github.com/hubwire/hubwire/sinks"
)

// eventKinds maps every CloudEvent type hubwire makes to the source and
// kind tokens of its NATS subjects, so that --type becomes a subject
// filter. The adapters do not export that mapping; decoding their samples
// (one per type) asks them, so the table cannot drift from what they do.
var eventKinds = sync.OnceValue(func() map[string]sinks.Address {
	// Events need an absolute dataschema to be valid; any base will do.
	const base = "http://hubwire.invalid/schemas/"
	decoders := map[string]adapter.Source{dockerhub.SourceName: dockerhub.New(base), dtr.SourceName: dtr.New(base)}
	kinds := map[string]sinks.Address{}
	for source, fsys := range samples {
		names, err := sampleNames(fsys)
		if err != nil {
			continue
		}
		for _, name := range names {
			body, err := fs.ReadFile(fsys, "samples/"+name+".json")
			if err != nil {
				continue
			}
			d, err := decoders[source].Decode(body)
			if err != nil {
				continue
			}
			kinds[d.Event.Type()] = sinks.Address{Source: d.Address.Source, Kind: d.Address.Kind}
		}
	}
	return kinds
})

// knownTypes lists the types of eventKinds, sorted.
func knownTypes() []string {
	var types []string
	for t := range eventKinds() {
		types = append(types, t)
	}
	sort.Strings(types)
	return types
}
