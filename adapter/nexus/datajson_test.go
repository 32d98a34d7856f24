package nexus

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/adaptertest"
)

func dataCases(s string) []Data {
	facts := adapter.Facts{Registry: "nexus", Repository: "a/" + s, Namespace: "a", Name: s, Tag: s, Digest: "sha256:" + s, Actor: s,
		Action: "component.created", OccurredAt: time.UnixMicro(1417566161123456).UTC()}
	return []Data{
		{},
		{Facts: facts, Webhook: s, Component: &Component{}, Asset: &Asset{}, Payload: json.RawMessage(`{"action":"CREATED"}`)},
		{Facts: facts, Webhook: s, NexusRepository: s, NodeID: s, Component: &Component{ID: s, ComponentID: s, Format: s, Group: s, Name: s, Version: s},
			Asset: &Asset{ID: s, AssetID: s, Format: s, Name: s}, Payload: json.RawMessage(`{"a":"\u003c\u0026\u003e"}`)},
		{Facts: facts, Component: &Component{Version: s}, Asset: &Asset{Name: s}},
	}
}

func TestDataJSONAsMarshal(t *testing.T) {
	for _, s := range []string{"plain", `q"b\s<&>` + "\t\x01\u2028é\xff"} {
		adaptertest.SameAsMarshal(t, dataCases(s))
	}
}

func FuzzDataJSON(f *testing.F) {
	f.Add("plain")
	f.Add("\xff<\u2029>\\\"")
	f.Fuzz(func(t *testing.T, s string) {
		adaptertest.SameAsMarshal(t, dataCases(s))
	})
}
