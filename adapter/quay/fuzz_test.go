package quay

import (
	"encoding/json"
	"errors"
	"io/fs"
	"testing"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/adaptertest"
	"github.com/hubwire/hubwire/internal/rawjson"
)

// FuzzDecode checks that no body and no ?event= makes the decoder panic,
// that every refusal is a FieldError the receiver can answer with 400 (or
// a Rejected beside the good events), and that every event it accepts is a
// valid CloudEvent with JSON data and an id stable across deliveries. The
// samples are its seed corpus, run by every go test.
func FuzzDecode(f *testing.F) {
	entries, _ := fs.ReadDir(Samples, "samples")
	for _, e := range entries {
		_, q := sampleRequest(e.Name())
		f.Add(q.Get("event"), adaptertest.Sample(f, Samples, e.Name()))
	}
	f.Add("repo_push", []byte(`{}`))
	f.Add("quota_error", []byte(`{"namespace":"ns"}`))
	f.Add("", []byte(`null`))
	f.Fuzz(func(t *testing.T, event string, body []byte) {
		events, err := decode(New(schemaBase), event, body)
		var rej *adapter.Rejected
		if err != nil && !errors.As(err, &rej) {
			var fe *adapter.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("refusal is not a FieldError: %v", err)
			}
			return
		}
		again, err2 := decode(New(schemaBase), event, body)
		if (err2 == nil) != (err == nil) || len(again) != len(events) {
			t.Fatalf("second decode: %v, %d events then %d", err2, len(events), len(again))
		}
		for i, d := range events {
			if err := d.Event.Validate(); err != nil {
				t.Fatalf("invalid CloudEvent: %v", err)
			}
			if !json.Valid(d.Event.Data()) {
				t.Fatalf("data is not JSON: %q", d.Event.Data())
			}
			// The data is written by hand: it must be what encoding/json
			// writes of the Data it decodes to.
			var back Data
			if err := json.Unmarshal(d.Event.Data(), &back); err != nil {
				t.Fatalf("data does not decode into Data: %v", err)
			}
			if want, _ := rawjson.Marshal(back); string(want) != string(d.Event.Data()) {
				t.Fatalf("data\n %s\nis not what encoding/json writes of it (HTML escaping off):\n %s", d.Event.Data(), want)
			}
			if again[i].Event.ID() != d.Event.ID() {
				t.Fatalf("id %s then %s", d.Event.ID(), again[i].Event.ID())
			}
		}
	})
}
