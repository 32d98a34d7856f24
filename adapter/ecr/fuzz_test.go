package ecr

import (
	"encoding/json"
	"errors"
	"io/fs"
	"testing"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/adaptertest"
)

// FuzzDecode checks that no body makes the decoder panic, that every
// refusal is a FieldError the receiver can answer with 400, and that every
// event it accepts is a valid CloudEvent with JSON data that decodes into
// Data and a stable id. The samples are its seed corpus, run by every go
// test.
func FuzzDecode(f *testing.F) {
	entries, _ := fs.ReadDir(Samples, "samples")
	for _, e := range entries {
		f.Add(adaptertest.Sample(f, Samples, e.Name()))
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"id":"1","source":"aws.ecr","detail-type":"ECR *>","time":"2025-01-02T03:04:05Z","detail":{"repository-name":"/"}}`))
	f.Add([]byte(`{"id":"1","source":"aws.ecr","detail-type":"ECR Image Action","time":"0000-01-01T00:00:00+01:00","account":"a:b","region":"x","detail":{"action-type":" . ","repository-name":"a/"}}`))
	f.Add([]byte(`{"specversion":"1.0","id":"1","type":"com.amazon.ecr.image.push","source":"urn:aws:ecr:r:a:repository/b/c","time":"2025-01-02T03:04:05Z","data":{"imageTag":"x"}}`))
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
		if len(events) != 1 {
			t.Fatalf("%d events from one delivery", len(events))
		}
		d := events[0]
		if err := d.Event.Validate(); err != nil {
			t.Fatalf("invalid CloudEvent: %v", err)
		}
		if d.Address.Kind == "" {
			t.Fatalf("no kind: %+v", d.Address)
		}
		var back Data
		if err := json.Unmarshal(d.Event.Data(), &back); err != nil {
			t.Fatalf("data does not decode into Data: %v", err)
		}
		again, err := src.Decode(adapter.Delivery{Body: body})
		if err != nil || len(again) != 1 || again[0].Event.ID() != d.Event.ID() {
			t.Fatalf("second decode: %v, %d events", err, len(again))
		}
	})
}
