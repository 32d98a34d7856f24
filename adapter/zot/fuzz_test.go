package zot

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/hubwire/hubwire/adapter"
)

// FuzzDecode checks that no delivery makes the decoder panic, that every
// refusal is a FieldError the receiver can answer with 400, and that every
// event it accepts is a valid CloudEvent with JSON data that decodes into
// Data and a stable id. The fuzzer varies the body and the headers zot
// sends its attributes in; the samples are its seed corpus.
func FuzzDecode(f *testing.F) {
	for _, name := range Registry.SampleNames() {
		d, _ := Registry.SampleDelivery(name)
		f.Add(d.Body, d.Header.Get("Ce-Type"), d.Header.Get("Ce-Time"), d.Header.Get("Ce-Id"), "application/json")
	}
	f.Add([]byte(`{}`), "zotregistry. *>", "2025-01-02T03:04:05Z", "1", "application/json")
	f.Add([]byte(`{"name":"/","reference":"a:0123456789abcdef0123456789abcdef"}`), "x.image.updated", "0001-01-01T00:00:00+01:00", "", "application/json")
	f.Add([]byte(`{"specversion":"1.0","id":"x","source":"s","type":"zotregistry.image.updated","time":"2025-01-02T03:04:05Z","data":{"name":"a"}}`), "", "", "", "application/cloudevents+json")
	f.Fuzz(func(t *testing.T, body []byte, ceType, ceTime, ceID, contentType string) {
		h := http.Header{"Content-Type": {contentType}, "Ce-Specversion": {"1.0"}, "Ce-Source": {"zotregistry.dev"}, "Ce-Type": {ceType}, "Ce-Time": {ceTime}, "Ce-Id": {ceID}}
		if contentType == "application/cloudevents+json" {
			h = http.Header{"Content-Type": {contentType}}
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
		if len(events) != 1 {
			t.Fatalf("%d events from one delivery", len(events))
		}
		d := events[0]
		if err := d.Event.Validate(); err != nil {
			t.Fatalf("invalid CloudEvent: %v", err)
		}
		if d.Address.Kind == "" {
			t.Fatalf("address %+v", d.Address)
		}
		var back Data
		if err := json.Unmarshal(d.Event.Data(), &back); err != nil {
			t.Fatalf("data does not decode into Data: %v", err)
		}
		again, err := src.Decode(adapter.Delivery{Header: h, Body: body})
		if err != nil || len(again) != 1 || again[0].Event.ID() != d.Event.ID() {
			t.Fatalf("second decode: %v, %d events", err, len(again))
		}
	})
}
