package zot

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/adaptertest"
	"github.com/hubwire/hubwire/schemas/schematest"
)

const schemaBase = "http://hubwire.test/schemas/"

// delivery is the sample as zot sends it: its body and its ce-* headers.
func delivery(t testing.TB, name string) adapter.Delivery {
	t.Helper()
	d, err := Registry.SampleDelivery(name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func decodeOne(t testing.TB, d adapter.Delivery) *adapter.Decoded {
	t.Helper()
	events, err := New(schemaBase).Decode(d)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if len(events) != 1 {
		t.Fatalf("%d events", len(events))
	}
	return events[0]
}

const (
	updated = "sha256:2b8e7f6c3b6f1a1b0d9e8c7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b"
	removed = "sha256:5d0da3dc976460b72c77d94c8a1ad043720b0416bfc16c52c45d4847e53fadb6"
	linted  = "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"
)

func TestDecodeSamples(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		sample, action, subject, tag, digest, actor string
		time                                        time.Time
	}{
		{"repository-created", "repository.created", "space/my-image", "", "", "", time.Date(2025, 6, 10, 9, 14, 2, 118253771, time.UTC)},
		{"image-updated", "image.updated", "space/my-image:latest", "latest", updated, "john", time.Date(2025, 6, 10, 9, 14, 3, 402117906, time.UTC)},
		{"image-deleted", "image.deleted", "space/my-image:v0.9", "v0.9", removed, "john", time.Date(2025, 6, 11, 16, 40, 51, 773011840, time.UTC)},
		{"image-lint-failed", "image.lint_failed", "space/my-image:nightly", "nightly", linted, "john", time.Date(2025, 6, 12, 7, 3, 19, 551039400, time.UTC)},
		{"image-scanned", "image.scanned", "space/my-image:latest", "latest", updated, "", time.Date(2025, 6, 10, 9, 15, 47, 88120000, time.UTC)},
	}
	ids := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.sample, func(t *testing.T) {
			d := delivery(t, tt.sample)
			dec := decodeOne(t, d)
			e := dec.Event
			if e.Type() != typePrefix+tt.action || e.Source() != "urn:hubwire:zot:space/my-image" || e.Subject() != tt.subject ||
				!e.Time().Equal(tt.time) || e.DataSchema() != schemaBase+"zot."+tt.action+".json" || e.DataContentType() != "application/json" {
				t.Errorf("attributes: type %q source %q subject %q time %v dataschema %q", e.Type(), e.Source(), e.Subject(), e.Time(), e.DataSchema())
			}
			ext := e.Extensions()
			// zot's own attributes are kept as extensions.
			if ext[ExtZotID] != d.Header.Get("Ce-Id") || ext[ExtZotSource] != "zotregistry.dev" || ext[ExtZotType] != "zotregistry."+tt.action {
				t.Errorf("zot's attributes not kept: %v", ext)
			}
			if ext["partitionkey"] != "space/my-image" || ext["repository"] != "space/my-image" || (tt.tag == "") != (ext["tag"] == nil) || (tt.digest == "") != (ext["digest"] == nil) {
				t.Errorf("extensions %v", ext)
			}
			if dec.Address.Source != "zot" || dec.Address.Kind != strings.ReplaceAll(tt.action, ".", "_") || dec.Address.Namespace != "space" || dec.Address.Name != "my-image" {
				t.Errorf("address %+v", dec.Address)
			}
			var data Data
			if err := json.Unmarshal(e.Data(), &data); err != nil {
				t.Fatal(err)
			}
			if data.Registry != "zot" || data.Action != tt.action || data.Repository != "space/my-image" || data.Tag != tt.tag ||
				data.Digest != tt.digest || data.Actor != tt.actor || !data.OccurredAt.Equal(tt.time) {
				t.Errorf("data %+v", data)
			}
			var sent, kept map[string]any
			json.Unmarshal(d.Body, &sent)
			json.Unmarshal(data.Payload, &kept)
			if a, b := adaptertest.MustJSON(t, sent), adaptertest.MustJSON(t, kept); a != b {
				t.Errorf("payload differs from zot's data:\n got %s\nwant %s", b, a)
			}
			if err := validator.Validate(e.DataSchema(), e.Data()); err != nil {
				t.Error(err)
			}
			if other, ok := ids[e.ID()]; ok {
				t.Errorf("id %s shared with %s", e.ID(), other)
			}
			ids[e.ID()] = tt.sample
		})
	}
}

// TestIDFromOccurrence: zot's id is a fresh UUID per event, so hubwire's
// comes from the occurrence: the same event with another ce-id is a
// duplicate; a fresh time is a new event.
func TestIDFromOccurrence(t *testing.T) {
	d := delivery(t, "image-updated")
	a := decodeOne(t, d)
	d.Header.Set("Ce-Id", "another-uuid")
	b := decodeOne(t, d)
	if a.Event.ID() != b.Event.ID() {
		t.Errorf("ce-id changed the id: %s then %s", a.Event.ID(), b.Event.ID())
	}
	Registry.FreshenHeader(d.Header, time.Now())
	d.Body = Registry.Freshen(d.Body, time.Now())
	c := decodeOne(t, d)
	if c.Event.ID() == a.Event.ID() || time.Since(c.Event.Time()) > time.Minute {
		t.Errorf("freshened: id %s (was %s), time %v", c.Event.ID(), a.Event.ID(), c.Event.Time())
	}
}

// TestStructuredAndOtherPrefixes: the structured mode is read too; a type
// prefix other than zot's default is matched by its ending; a type of
// zot's hubwire does not list keeps its name.
func TestStructuredAndOtherPrefixes(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	structured := adapter.Delivery{Header: http.Header{"Content-Type": {"application/cloudevents+json"}},
		Body: []byte(`{"specversion":"1.0","id":"x","source":"zotregistry.dev","type":"zotregistry.image.deleted","time":"2025-06-11T16:40:51Z","datacontenttype":"application/json","data":{"name":"a/b","reference":"sha256:` + strings.Repeat("ab", 32) + `"}}`)}
	d := decodeOne(t, structured)
	if d.Event.Type() != "dev.zotregistry.image.deleted" || d.Event.Subject() != "a/b@sha256:"+strings.Repeat("ab", 32) || d.Event.Extensions()["tag"] != nil {
		t.Errorf("structured: type %s subject %s extensions %v", d.Event.Type(), d.Event.Subject(), d.Event.Extensions())
	}
	bin := delivery(t, "image-updated")
	bin.Header.Set("Ce-Type", "com.example.registry.image.updated")
	if d := decodeOne(t, bin); d.Event.Type() != "dev.zotregistry.image.updated" || d.Event.Extensions()[ExtZotType] != "com.example.registry.image.updated" {
		t.Errorf("other prefix: %s %v", d.Event.Type(), d.Event.Extensions())
	}
	bin.Header.Set("Ce-Type", "zotregistry.image.signed")
	d = decodeOne(t, bin)
	if d.Event.Type() != "dev.zotregistry.image.signed" || d.Event.DataSchema() != schemaBase+"zot.event.json" || d.Address.Kind != "image_signed" {
		t.Errorf("unknown kind: %s %s %+v", d.Event.Type(), d.Event.DataSchema(), d.Address)
	}
	if err := validator.Validate(d.Event.DataSchema(), d.Event.Data()); err != nil {
		t.Error(err)
	}
}

func TestDecodeErrors(t *testing.T) {
	with := func(f func(d *adapter.Delivery)) adapter.Delivery {
		d := delivery(t, "image-updated")
		f(&d)
		return d
	}
	tests := []struct {
		name          string
		d             adapter.Delivery
		field, reason string
	}{
		{"plain JSON", adapter.Delivery{Header: http.Header{"Content-Type": {"application/json"}}, Body: adaptertest.Sample(t, Samples, "image-updated.json")}, "ce-specversion", "binary-mode CloudEvents"},
		{"old spec version", with(func(d *adapter.Delivery) { d.Header.Set("Ce-Specversion", "0.1") }), "ce-specversion", "not a CloudEvents version"},
		{"no id", with(func(d *adapter.Delivery) { d.Header.Del("Ce-Id") }), "ce-id", "is required"},
		{"no type", with(func(d *adapter.Delivery) { d.Header.Del("Ce-Type") }), "ce-type", "is required"},
		{"not zot's type", with(func(d *adapter.Delivery) { d.Header.Set("Ce-Type", "harbor.artifact.pushed") }), "ce-type", "not a zot event type"},
		{"no time", with(func(d *adapter.Delivery) { d.Header.Del("Ce-Time") }), "ce-time", "is required"},
		{"bad time", with(func(d *adapter.Delivery) { d.Header.Set("Ce-Time", "yesterday") }), "ce-time", "RFC 3339"},
		{"data not JSON", with(func(d *adapter.Delivery) { d.Body = []byte(`{"name":`) }), "", "not valid JSON"},
		{"data an array", with(func(d *adapter.Delivery) { d.Body = []byte(`[]`) }), "", "JSON object"},
		{"no name", with(func(d *adapter.Delivery) { d.Body = []byte(`{"reference":"latest"}`) }), "name", "is required"},
		{"reference not a string", with(func(d *adapter.Delivery) { d.Body = []byte(`{"name":"a","reference":1}`) }), "reference", "must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(schemaBase).Decode(tt.d)
			adaptertest.WantFieldError(t, err, tt.field, tt.reason)
		})
	}
}

func TestRecognizes(t *testing.T) {
	for _, name := range Registry.SampleNames() {
		if !recognizes(delivery(t, name)) {
			t.Errorf("%s not recognized", name)
		}
	}
	for _, h := range []http.Header{
		{},
		{"Content-Type": {"application/json"}},
		{"Ce-Specversion": {"1.0"}, "Ce-Source": {"/projects/1"}, "Ce-Type": {"harbor.artifact.pushed"}},
		{"Ce-Source": {"zotregistry.dev"}},
	} {
		if recognizes(adapter.Delivery{Header: h, Body: []byte(`{"name":"a"}`)}) {
			t.Errorf("%v recognized as zot's", h)
		}
	}
}
