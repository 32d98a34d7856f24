package acr

import (
	"encoding/json"
	"errors"
	"io/fs"
	"testing"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/adaptertest"
	"github.com/hubwire/hubwire/internal/rawjson"
)

// FuzzDecode checks that no body makes the decoder panic, that every
// refusal is a FieldError the receiver can answer with 400, and that every
// event it accepts is a valid CloudEvent with JSON data and a stable id.
// The samples are its seed corpus, run by every go test.
func FuzzDecode(f *testing.F) {
	entries, _ := fs.ReadDir(Samples, "samples")
	for _, e := range entries {
		f.Add(adaptertest.Sample(f, Samples, e.Name()))
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"action":"ping"}`))
	f.Add([]byte(`{"action":"x.y","timestamp":"2025-01-02T03:04:05Z"}`))
	f.Add([]byte(`{"action":"\u0000 a*>","timestamp":"0000-01-01T00:00:00Z","target":{"repository":"/"}}`))
	f.Add([]byte(`{"action":"push","timestamp":"2025-01-02T03:04:05+14:00","target":{"repository":"a/"},"request":{"host":"a:b"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		src := New(schemaBase)
		events, err := src.Decode(adapter.Delivery{Body: body})
		if err != nil {
			var fe *adapter.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("refusal is not a FieldError: %v", err)
			}
			return
		}
		if len(events) > 1 {
			t.Fatalf("%d events from one delivery", len(events))
		}
		for _, d := range events {
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
			again, err := src.Decode(adapter.Delivery{Body: body})
			if err != nil || len(again) != 1 || again[0].Event.ID() != d.Event.ID() {
				t.Fatalf("second decode: %v, %d events", err, len(again))
			}
		}
	})
}
