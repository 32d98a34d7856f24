package dtr

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
	code, yes, no := int64(6), true, false
	facts := adapter.Facts{Registry: "dtr", Repository: "a/" + s, Namespace: "a", Name: s, Tag: s, Digest: "sha256:0", Actor: s,
		Action: "tag.push", OccurredAt: time.Date(2026, 12, 1, 12, 0, 0, 123456789, time.UTC)}
	return []Data{
		{},
		{Facts: adapter.Facts{Registry: "dtr", Action: "scanner.updated"}, Scanner: &Scanner{}, Payload: json.RawMessage(`{}`)},
		{Facts: facts, ImageName: s, OS: "linux", Architecture: s, Location: "/x/" + s, Payload: json.RawMessage(`{"a":"\u003c\u2028\u003e","b":[1,{}]}`)},
		{Facts: facts, Scan: &Scan{Critical: -1, Major: 1 << 62, Minor: 0}, Payload: json.RawMessage(`{}`)},
		{Facts: facts, Scan: &Scan{Status: s, StatusCode: &code, CheckCompletedAt: s}, Error: s},
		{Facts: facts, Scanner: &Scanner{Success: &no}},
		{Facts: facts, Scanner: &Scanner{Version: s, UpdatedAt: s, DBVersion: s, DBUpdated: s, Success: &yes}},
		{Facts: facts, Scanner: &Scanner{DBUpdated: s}},
	}
}

func TestDataJSONAsMarshal(t *testing.T) {
	for _, s := range []string{"plain", `q"b\s<&>` + "\t\x01\u2028é\xff"} {
		adaptertest.SameAsMarshal(t, dataCases(s))
	}
	// A time json.Marshal cannot write is an error here too.
	d := Data{Facts: adapter.Facts{OccurredAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}
	if _, err := d.AppendJSON(nil); err == nil {
		t.Error("year 10000 written")
	}
}

func FuzzDataJSON(f *testing.F) {
	f.Add("plain")
	f.Add("\xff<\u2029>\\\"")
	f.Fuzz(func(t *testing.T, s string) {
		adaptertest.SameAsMarshal(t, dataCases(s))
	})
}
