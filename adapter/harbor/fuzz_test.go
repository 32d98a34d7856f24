package harbor

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"testing"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/adaptertest"
	"github.com/hubwire/hubwire/internal/rawjson"
)

// FuzzDecode checks that no body makes the decoder panic, in either
// format, that every refusal is a FieldError the receiver can answer with
// 400, and that every event it accepts is a valid CloudEvent with JSON
// data, as rawjson.Marshal writes its Data, and a stable id. The samples are
// its seed corpus, run by every go test.
func FuzzDecode(f *testing.F) {
	entries, _ := fs.ReadDir(Samples, "samples")
	for _, e := range entries {
		f.Add(adaptertest.Sample(f, Samples, e.Name()), false)
	}
	f.Add([]byte(`{}`), false)
	f.Add([]byte(`null`), true)
	f.Add([]byte(`{"type":"testEndpoint"}`), false)
	f.Add([]byte(`{"type":"X.Y","occur_at":"1","event_data":{"resources":[{},{"tag":"sha256:"}]}}`), false)
	f.Add([]byte(`{"type":"harbor.a*>","time":"0000-01-01T00:00:00+01:00","data":{"repository":{"name":"/"}}}`), true)
	f.Add([]byte(`{"type":"PUSH_ARTIFACT","occur_at":-62135596801,"event_data":{"repository":{"repo_full_name":"a/"},"resources":[{"resource_url":"a:b/c"}]}}`), false)
	f.Fuzz(func(t *testing.T, body []byte, ce bool) {
		h := http.Header{}
		if ce {
			h.Set("Content-Type", cloudEventsMediaType)
		}
		src := New(schemaBase)
		events, err := src.Decode(adapter.Delivery{Header: h, Body: body})
		if err != nil {
			var fe *adapter.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("refusal is not a FieldError: %v", err)
			}
			return
		}
		for _, d := range events {
			if d.Address.Kind == "" {
				t.Fatalf("event %s has no kind", d.Event.Type())
			}
			if err := d.Event.Validate(); err != nil {
				t.Fatalf("invalid CloudEvent: %v", err)
			}
			if !json.Valid(d.Event.Data()) {
				t.Fatalf("data is not JSON: %q", d.Event.Data())
			}
			var back Data
			if err := json.Unmarshal(d.Event.Data(), &back); err != nil {
				t.Fatalf("data does not decode into Data: %v", err)
			}
			if want, _ := rawjson.Marshal(back); string(want) != string(d.Event.Data()) {
				t.Fatalf("data\n %s\nis not what encoding/json writes of it (HTML escaping off):\n %s", d.Event.Data(), want)
			}
		}
		again, err := src.Decode(adapter.Delivery{Header: h, Body: body})
		if err != nil || len(again) != len(events) {
			t.Fatalf("second decode: %v, %d events", err, len(again))
		}
		for i := range events {
			if again[i].Event.ID() != events[i].Event.ID() {
				t.Fatalf("id of event %d changed", i)
			}
		}
	})
}
