package distribution

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/adaptertest"
)

func dataCases(s string) []Data {
	facts := adapter.Facts{Registry: "distribution", Repository: "a/" + s, Namespace: "a", Name: s, Tag: s, Digest: s, Actor: s,
		Action: "manifest.pushed", OccurredAt: time.Unix(0, 1457563466402973972).UTC()}
	return []Data{
		{},
		{Facts: facts, Payload: json.RawMessage(`{"id":"x"}`)},
		{Facts: facts, EventID: s, Host: s, MediaType: s, URL: s, FromRepository: s, UserAgent: s, Payload: json.RawMessage(`{"a":"\u003c\u0026\u003e"}`)},
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
