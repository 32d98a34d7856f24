package distribution

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
// refusal is a FieldError (or a Rejected naming elements) the receiver can
// answer, and that every event it accepts is a valid CloudEvent whose data
// is what rawjson.Marshal writes of it, with a stable id. The samples are its
// seed corpus, run by every go test.
func FuzzDecode(f *testing.F) {
	entries, _ := fs.ReadDir(Samples, "samples")
	for _, e := range entries {
		f.Add(adaptertest.Sample(f, Samples, e.Name()))
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"events":[{},{"action":"x","timestamp":"2024-01-02T03:04:05+01:00","target":{"repository":"a"}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		src := New(schemaBase)
		events, err := src.Decode(adapter.Delivery{Body: body})
		if err != nil {
			var fe *adapter.FieldError
			var rejected *adapter.Rejected
			if !errors.As(err, &fe) && !errors.As(err, &rejected) {
				t.Fatalf("refusal is neither a FieldError nor a Rejected: %v", err)
			}
		}
		again, _ := src.Decode(adapter.Delivery{Body: body})
		if len(again) != len(events) {
			t.Fatalf("second decode made %d events, first %d", len(again), len(events))
		}
		for i, d := range events {
			if err := d.Event.Validate(); err != nil {
				t.Fatalf("invalid CloudEvent: %v", err)
			}
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
