package nexus

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/internal/rawjson"
)

// FuzzDecode checks that no body under any webhook id makes the decoder
// panic, that every refusal is a FieldError the receiver can answer with
// 400, and that every event it accepts is a valid CloudEvent whose data is
// what its Data encodes to and whose id is stable. The samples are its
// seed corpus, run by every go test.
func FuzzDecode(f *testing.F) {
	for _, name := range Registry.SampleNames() {
		d, err := Registry.SampleDelivery(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(d.Header.Get("X-Nexus-Webhook-ID"), d.Body)
	}
	f.Add("", []byte(`{}`))
	f.Add("rm:audit", []byte(`{"audit":{"type":"x y"}}`))
	f.Add(":", []byte(`{"action":"\u0000","timestamp":"0000-01-01T00:00:00+0100"}`))
	f.Add("rm:repository:asset", []byte(`{"timestamp":"2016-11-10T23:57:49.664+0000","action":"UPDATED","asset":{"format":"docker","name":"v2//manifests/:"}}`))
	f.Fuzz(func(t *testing.T, webhook string, body []byte) {
		h := http.Header{"X-Nexus-Webhook-Id": {webhook}}
		src := New(schemaBase)
		fixed := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		src.now = func() time.Time { return fixed }
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
		e := events[0].Event
		if err := e.Validate(); err != nil {
			t.Fatalf("invalid CloudEvent: %v", err)
		}
		var back Data
		if err := json.Unmarshal(e.Data(), &back); err != nil {
			t.Fatalf("data does not decode into Data: %v", err)
		}
		// A webhook id of invalid UTF-8 is written "\ufffd", which decodes
		// to a U+FFFD that encoding/json writes as it is: the same string,
		// other bytes.
		if want, _ := rawjson.Marshal(back); utf8.ValidString(webhook) && string(want) != string(e.Data()) {
			t.Fatalf("data\n %s\nis not what encoding/json writes of it:\n %s", e.Data(), want)
		}
		again, err := New(schemaBase).Decode(adapter.Delivery{Header: h, Body: body})
		if err != nil || len(again) != 1 || again[0].Event.ID() != e.ID() {
			t.Fatalf("second decode: %v", err)
		}
	})
}
