package artifactory

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
// event it accepts is a valid CloudEvent whose data is what its Data
// encodes to and whose id is stable. The samples are its seed corpus, run
// by every go test.
func FuzzDecode(f *testing.F) {
	entries, _ := fs.ReadDir(Samples, "samples")
	for _, e := range entries {
		f.Add(adaptertest.Sample(f, Samples, e.Name()))
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"domain":"x y","event_type":"*>","data":{"repo_key":"/","path":"//"}}`))
	f.Add([]byte(`{"domain":"docker","event_type":"pushed","data":{"path":"a/b/c","sha256":"SHA256:AB"},"jpd_origin":"http://[::1]:80"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		src := at(schemaBase)
		events, err := src.Decode(adapter.Delivery{Body: body})
		if err != nil {
			var fe *adapter.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("refusal is not a FieldError: %v", err)
			}
			return
		}
		if len(events) != 1 {
			t.Fatalf("%d events from one delivery", len(events))
		}
		e := events[0].Event
		if err := e.Validate(); err != nil {
			t.Fatalf("invalid CloudEvent: %v", err)
		}
		var back Data
		if err := json.Unmarshal(e.Data(), &back); err != nil {
			t.Fatalf("data does not decode into Data: %v", err)
		}
		if want, _ := rawjson.Marshal(back); string(want) != string(e.Data()) {
			t.Fatalf("data\n %s\nis not what encoding/json writes of it:\n %s", e.Data(), want)
		}
		again, err := New(schemaBase).Decode(adapter.Delivery{Body: body})
		if err != nil || len(again) != 1 || again[0].Event.ID() != e.ID() {
			t.Fatalf("second decode: %v", err)
		}
	})
}
