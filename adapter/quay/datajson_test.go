package quay

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/adaptertest"
)

// dataCases cover each optional part of Data, set and not, and strings
// that encoding/json escapes. Payloads are as Object.Payload writes them.
func dataCases(s string) []Data {
	yes, no := true, false
	facts := adapter.Facts{Registry: "quay", Repository: "a/" + s, Namespace: "a", Name: s, Tag: s, Digest: "sha256:0", Actor: s,
		Action: "repo.pushed", OccurredAt: time.Date(2026, 12, 1, 12, 0, 0, 123456789, time.UTC)}
	return []Data{
		{},
		{Facts: facts, DockerURL: s, Homepage: s, ImageID: s, Payload: json.RawMessage(`{"a":"\u003c\u2028\u003e","b":[1,{}]}`)},
		{Facts: facts, Build: &Build{}, Vulnerability: &Vulnerability{}, Payload: json.RawMessage(`{}`)},
		{Facts: facts, Build: &Build{ID: s, Name: s, Tags: []string{s, "b"}, TriggerKind: s, TriggerID: s, Commit: s, Ref: s, Manual: &no,
			Image: s, ManifestDigests: []string{s}, Error: s}},
		{Facts: facts, Build: &Build{Manual: &yes}, Tags: []string{}},
		{Facts: facts, Tags: []string{s}, Vulnerability: &Vulnerability{ID: s, Description: s, Link: s, Priority: s, HasFix: &yes}},
		{Facts: facts, Vulnerability: &Vulnerability{HasFix: &no}, Message: s},
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
