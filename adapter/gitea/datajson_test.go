package gitea

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/adaptertest"
)

func dataCases(s string) []Data {
	facts := adapter.Facts{Registry: "gitea", Repository: "a/" + s, Namespace: "a", Name: s, Tag: s, Digest: "sha256:" + s, Actor: s,
		Action: "image.created", OccurredAt: time.UnixMicro(1417566161123456).UTC()}
	return []Data{
		{},
		{Facts: facts, PackageType: "container", Payload: json.RawMessage(`{"action":"created"}`)},
		{Facts: facts, PackageType: s, Version: s, Host: s, HTMLURL: s, Payload: json.RawMessage(`{"a":"\u003c\u0026\u003e"}`)},
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
