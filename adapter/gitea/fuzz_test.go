package gitea

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/internal/rawjson"
)

// FuzzDecode checks that no body, as JSON or as a form, under any event
// name, makes the decoder panic, that every refusal is a FieldError the
// receiver can answer with 400, and that every event it accepts is a valid
// CloudEvent whose data is what its Data encodes to and whose id is
// stable. The samples are its seed corpus, run by every go test.
func FuzzDecode(f *testing.F) {
	for _, name := range Registry.SampleNames() {
		d, err := Registry.SampleDelivery(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(d.Body, "package", false)
	}
	f.Add([]byte(`{}`), "package", false)
	f.Add([]byte(`payload=null`), "package", true)
	f.Add([]byte(`{"action":"x y","package":{"owner":{"login":"/"},"name":"..","type":"CONTAINER","version":":","html_url":"http://[::1]/"}}`), "package", false)
	f.Add([]byte(`null`), "", false)
	f.Fuzz(func(t *testing.T, body []byte, event string, form bool) {
		h := http.Header{"X-Gitea-Event-Type": {event}}
		if form {
			h.Set("Content-Type", formType)
		}
		events, err := at(schemaBase).Decode(adapter.Delivery{Header: h, Body: body})
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
			var back Data
			if err := json.Unmarshal(d.Event.Data(), &back); err != nil {
				t.Fatalf("data does not decode into Data: %v", err)
			}
			if want, _ := rawjson.Marshal(back); string(want) != string(d.Event.Data()) {
				t.Fatalf("data\n %s\nis not what encoding/json writes of it:\n %s", d.Event.Data(), want)
			}
			again, err := New(schemaBase).Decode(adapter.Delivery{Header: h, Body: body})
			if err != nil || len(again) != 1 || again[0].Event.ID() != d.Event.ID() {
				t.Fatalf("second decode: %v", err)
			}
		}
	})
}
