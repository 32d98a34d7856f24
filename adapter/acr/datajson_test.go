package acr

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/adaptertest"
)

func dataCases(s string) []Data {
	facts := adapter.Facts{Registry: "acr", Repository: "a/" + s, Namespace: "a", Name: s, Tag: s, Digest: "sha256:0",
		Action: "image.pushed", OccurredAt: time.Date(2017, 11, 17, 16, 52, 1, 343145347, time.UTC)}
	return []Data{
		{},
		{Facts: facts, Payload: json.RawMessage(`{"size":524}`)},
		{Facts: facts, Host: s, MediaType: s, Payload: json.RawMessage(`{"a":"\u003c\u0026\u003e"}`)},
		{Facts: facts, Chart: &Chart{}},
		{Facts: facts, Chart: &Chart{Name: s}},
		{Facts: facts, Chart: &Chart{Version: s}},
		{Facts: facts, Chart: &Chart{Name: s, Version: s}, Payload: json.RawMessage(`{}`)},
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
