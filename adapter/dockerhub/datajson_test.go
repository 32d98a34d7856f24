package dockerhub

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/adaptertest"
)

func dataCases(s string) []Data {
	facts := adapter.Facts{Registry: "dockerhub", Repository: "a/" + s, Namespace: "a", Name: s, Tag: s, Actor: s,
		Action: "push", OccurredAt: time.UnixMicro(1417566161123456).UTC()}
	return []Data{
		{},
		{Facts: facts, Payload: json.RawMessage(`{"pushed_at":1.417566161e+09}`)},
		{Facts: facts, Images: []string{}, MediaType: s, RepoURL: "https://hub.docker.com/r/a/" + s},
		{Facts: facts, Images: []string{s, "", "27d47432a69b"}, Payload: json.RawMessage(`{"a":"\u003c\u0026\u003e"}`)},
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
