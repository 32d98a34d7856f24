package artifactory

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/adaptertest"
)

func dataCases(s string) []Data {
	facts := adapter.Facts{Registry: "artifactory", Repository: "a/" + s, Namespace: "a", Name: s, Tag: s, Digest: "sha256:" + s,
		Action: "docker.pushed", OccurredAt: time.UnixMicro(1417566161123456).UTC()}
	size := int64(-42)
	return []Data{
		{},
		{Facts: facts, Domain: "docker", Payload: json.RawMessage(`{"domain":"docker"}`)},
		{Facts: facts, Domain: s, RepoKey: s, Path: s, ImageName: s, ImageType: s, Size: &size, Origin: s,
			Platforms: []Platform{{}, {Architecture: s}, {OS: s, Variant: s}, {Architecture: s, OS: s, Variant: s}}, Payload: json.RawMessage(`{"a":"\u003c\u0026\u003e"}`)},
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
