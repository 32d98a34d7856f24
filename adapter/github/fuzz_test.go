package github

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/internal/rawjson"
)

// FuzzDecode checks that no body, as JSON or as a form, under either event
// name, makes the decoder panic, that every refusal is a FieldError the
// receiver can answer with 400, and that every event it accepts is a valid
// CloudEvent with JSON data and a stable id. The samples are its seed
// corpus, run by every go test.
func FuzzDecode(f *testing.F) {
	for _, name := range Registry.SampleNames() {
		d, err := Registry.SampleDelivery(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(d.Body, d.Header.Get("X-GitHub-Event"), d.Header.Get("Content-Type") == formType)
	}
	f.Add([]byte(`{}`), "package", false)
	f.Add([]byte(`null`), "", false)
	f.Add([]byte(`payload=null`), "registry_package", true)
	f.Fuzz(func(t *testing.T, body []byte, event string, form bool) {
		h := http.Header{"X-Github-Event": {event}}
		if form {
			h.Set("Content-Type", formType)
		}
		src := New(schemaBase)
		out, err := src.Decode(adapter.Delivery{Header: h, Body: body})
		if err != nil {
			var fe *adapter.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("refusal is not a FieldError: %v", err)
			}
			return
		}
		if len(out) > 1 {
			t.Fatalf("%d events of one delivery", len(out))
		}
		for _, d := range out {
			if err := d.Event.Validate(); err != nil {
				t.Fatalf("invalid CloudEvent: %v", err)
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
		}
		again, err := src.Decode(adapter.Delivery{Header: h, Body: body})
		if err != nil || len(again) != len(out) || (len(out) == 1 && again[0].Event.ID() != out[0].Event.ID()) {
			t.Fatalf("second decode differs: %v", err)
		}
	})
}
