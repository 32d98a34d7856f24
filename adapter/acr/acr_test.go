package acr

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

func TestDecodeSamples(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file, typ, kind, action, source, subject, repo, tag, digest, host, mediaType string
		time                                                                         time.Time
		chart                                                                        *Chart
	}{
		{"push.json", "io.azurecr.image.pushed", "push", "image.pushed", "https://myregistry.azurecr.io/hello-world",
			"hello-world:v1", "hello-world", "v1", "sha256:80f0d5c8786bb9e621a45ece0db56d11cdc624ad20da9fe62e9d25490f331d7d",
			"myregistry.azurecr.io", "application/vnd.docker.distribution.manifest.v2+json", time.Date(2017, 11, 17, 16, 52, 1, 343145347, time.UTC), nil},
		{"delete.json", "io.azurecr.image.deleted", "delete", "image.deleted", "https://myregistry.azurecr.io/hello-world",
			"hello-world@sha256:80f0d5c8786bb9e621a45ece0db56d11cdc624ad20da9fe62e9d25490f331d7d", "hello-world", "", "sha256:80f0d5c8786bb9e621a45ece0db56d11cdc624ad20da9fe62e9d25490f331d7d",
			"myregistry.azurecr.io", "application/vnd.docker.distribution.manifest.v2+json", time.Date(2017, 11, 17, 16, 54, 53, 657764628, time.UTC), nil},
		// The documented host "[registry].azurecr.io" is no URL host.
		{"quarantine.json", "io.azurecr.image.quarantined", "quarantine", "image.quarantined", "urn:hubwire:acr:helloworld",
			"helloworld:1", "helloworld", "1", "sha256:91ef6", "[registry].azurecr.io", "", time.Date(2018, 2, 28, 0, 42, 54, 450951600, time.UTC), nil},
		// Chart events name no request, so no host.
		{"chart-push.json", "io.azurecr.chart.pushed", "chart_push", "chart.pushed", "urn:hubwire:acr:repo",
			"repo:wordpress-5.4.0.tgz", "repo", "wordpress-5.4.0.tgz", "sha256:xxxx8075264b5ba7c14c23672xxxx52ae6a3ebac1c47916e4efe19cd624dxxxx",
			"", "application/vnd.acr.helm.chart", time.Date(2023, 3, 5, 23, 45, 31, 261426700, time.UTC), &Chart{Name: "wordpress", Version: "5.4.0.tgz"}},
		{"chart-delete.json", "io.azurecr.chart.deleted", "chart_delete", "chart.deleted", "urn:hubwire:acr:repo",
			"repo:wordpress-5.4.0.tgz", "repo", "wordpress-5.4.0.tgz", "sha256:c3a2b1f0e4d5968778695a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
			"", "application/vnd.acr.helm.chart", time.Date(2023, 3, 5, 23, 51, 12, 781034500, time.UTC), &Chart{Name: "wordpress", Version: "5.4.0.tgz"}},
	}
	ids := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := adaptertest.Sample(t, Samples, tt.file)
			d, err := adaptertest.DecodeOne(New(schemaBase), body)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			e := d.Event
			if e.Type() != tt.typ || e.Source() != tt.source || e.Subject() != tt.subject || !e.Time().Equal(tt.time) ||
				e.DataSchema() != schemaBase+"acr."+tt.action+".json" || e.DataContentType() != "application/json" || e.SpecVersion() != "1.0" {
				t.Errorf("attributes: type %q source %q subject %q time %v dataschema %q datacontenttype %q",
					e.Type(), e.Source(), e.Subject(), e.Time(), e.DataSchema(), e.DataContentType())
			}
			ext := e.Extensions()
			if ext["partitionkey"] != tt.repo || ext["repository"] != tt.repo || (tt.tag != "" && ext["tag"] != tt.tag) || (tt.tag == "" && ext["tag"] != nil) || ext["digest"] != tt.digest {
				t.Errorf("extensions %v", ext)
			}
			if d.Address.Source != "acr" || d.Address.Kind != tt.kind || d.Address.Namespace != "" || d.Address.Name != tt.repo {
				t.Errorf("address %+v", d.Address)
			}
			var data Data
			if err := json.Unmarshal(e.Data(), &data); err != nil {
				t.Fatal(err)
			}
			if data.Registry != "acr" || data.Action != tt.action || data.Repository != tt.repo || data.Namespace != "" || data.Name != tt.repo ||
				data.Tag != tt.tag || data.Digest != tt.digest || data.Actor != "" || !data.OccurredAt.Equal(tt.time) ||
				data.Host != tt.host || data.MediaType != tt.mediaType {
				t.Errorf("data %+v", data)
			}
			if (data.Chart == nil) != (tt.chart == nil) || data.Chart != nil && *data.Chart != *tt.chart {
				t.Errorf("chart %+v, want %+v", data.Chart, tt.chart)
			}
			// The payload is the delivery as received.
			adaptertest.SamePayload(t, body, data.Payload)
			if err := validator.Validate(e.DataSchema(), e.Data()); err != nil {
				t.Error(err)
			}
			if other, ok := ids[e.ID()]; ok {
				t.Errorf("id %s shared with %s", e.ID(), other)
			}
			ids[e.ID()] = tt.file
			again, _ := adaptertest.DecodeOne(New("http://elsewhere/"), body)
			if again.Event.ID() != e.ID() {
				t.Errorf("id is not deterministic: %s then %s", e.ID(), again.Event.ID())
			}
		})
	}
}

// TestSameOccurrenceSameID: the same event delivered twice, however its
// JSON is spaced, is stored once; a push and the quarantine ACR raises for
// the same push are two events.
func TestSameOccurrenceSameID(t *testing.T) {
	body := adaptertest.Sample(t, Samples, "push.json")
	var m map[string]any
	json.Unmarshal(body, &m)
	compact, _ := json.Marshal(m)
	a, err := adaptertest.DecodeOne(New(schemaBase), body)
	if err != nil {
		t.Fatal(err)
	}
	b, err := adaptertest.DecodeOne(New(schemaBase), compact)
	if err != nil {
		t.Fatal(err)
	}
	if a.Event.ID() != b.Event.ID() {
		t.Errorf("redelivery got a new id: %s then %s", a.Event.ID(), b.Event.ID())
	}
	m["action"] = "quarantine"
	q, _ := json.Marshal(m)
	c, err := adaptertest.DecodeOne(New(schemaBase), q)
	if err != nil {
		t.Fatal(err)
	}
	if c.Event.ID() == a.Event.ID() {
		t.Errorf("push and quarantine share id %s", a.Event.ID())
	}
	fresh, err := adaptertest.DecodeOne(New(schemaBase), freshen(body, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Event.ID() == a.Event.ID() || time.Since(fresh.Event.Time()) > time.Minute {
		t.Errorf("freshened sample: id %s (was %s), time %v", fresh.Event.ID(), a.Event.ID(), fresh.Event.Time())
	}
}

func TestPingStoresNothing(t *testing.T) {
	for _, body := range []string{
		`{"id":"0a1b","timestamp":"2024-05-01T10:00:00Z","action":"ping"}`,
		`{"action":"ping"}`,
		``,
		"  \n",
	} {
		events, err := New(schemaBase).Decode(adapter.Delivery{Body: []byte(body)})
		if err != nil || len(events) != 0 {
			t.Errorf("ping %q: %d events, %v", body, len(events), err)
		}
	}
}

func TestUnknownActionTypedByItsName(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ body, typ, subject, source string }{
		{`{"id":"1","timestamp":"2025-01-02T03:04:05Z","action":"artifact_push","target":{"repository":"team/app","tag":"v2","brand_new":1},"request":{"host":"reg.azurecr.io"}}`,
			"io.azurecr.artifact_push", "team/app:v2", "https://reg.azurecr.io/team/app"},
		{`{"id":"2","timestamp":"2025-01-02T03:04:05Z","action":"registry_renamed"}`, "io.azurecr.registry_renamed", "", "urn:hubwire:acr"},
	} {
		d, err := adaptertest.DecodeOne(New(schemaBase), []byte(tt.body))
		if err != nil {
			t.Fatalf("%s: %v", tt.typ, err)
		}
		e := d.Event
		if e.Type() != tt.typ || e.Subject() != tt.subject || e.Source() != tt.source || e.DataSchema() != schemaBase+"acr.event.json" {
			t.Errorf("type %q subject %q source %q dataschema %q", e.Type(), e.Subject(), e.Source(), e.DataSchema())
		}
		if kind := strings.TrimPrefix(tt.typ, "io.azurecr."); d.Address.Kind != kind {
			t.Errorf("address %+v", d.Address)
		}
		if err := validator.Validate(e.DataSchema(), e.Data()); err != nil {
			t.Error(err)
		}
		if !strings.Contains(tt.body, "brand_new") == strings.Contains(string(e.Data()), "brand_new") {
			t.Errorf("payload not kept: %s", e.Data())
		}
	}
}

func TestNestedRepository(t *testing.T) {
	d, err := adaptertest.DecodeOne(New(schemaBase), []byte(`{"id":"x","timestamp":"2025-01-02T03:04:05Z","action":"push",
		"target":{"repository":"team/sub/app","digest":"sha256:1"},"request":{"host":"reg.azurecr.io:443"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if d.Address.Namespace != "team" || d.Address.Name != "sub/app" || d.Event.Subject() != "team/sub/app@sha256:1" ||
		d.Event.Source() != "https://reg.azurecr.io:443/team/sub%2Fapp" {
		t.Errorf("address %+v subject %q source %q", d.Address, d.Event.Subject(), d.Event.Source())
	}
}

func TestDecodeErrors(t *testing.T) {
	const ts = `"timestamp":"2017-11-17T16:52:01Z"`
	tests := []struct{ name, body, field, problem string }{
		{"not json", `{"action":`, "", "not valid JSON"},
		{"array", `[1,2]`, "", "must be a JSON object"},
		{"null", `null`, "", "must be a JSON object"},
		{"no action", `{` + ts + `,"target":{"repository":"a"}}`, "action", "is required"},
		{"action not a string", `{"action":5}`, "action", "must be a string"},
		{"no timestamp", `{"action":"push","target":{"repository":"a"}}`, "timestamp", "is required"},
		{"bad timestamp", `{"action":"push","timestamp":"yesterday","target":{"repository":"a"}}`, "timestamp", "not an RFC 3339 time"},
		{"timestamp out of range", `{"action":"push","timestamp":"0000-01-01T00:00:00+01:00","target":{"repository":"a"}}`, "timestamp", "years 1 to 9999"},
		{"no target", `{"action":"push",` + ts + `}`, "target", "is required"},
		{"target not an object", `{"action":"delete",` + ts + `,"target":"a"}`, "target", "must be an object"},
		{"no repository", `{"action":"chart_push",` + ts + `,"target":{"tag":"x"}}`, "target.repository", "is required"},
		{"tag not a string", `{"action":"push",` + ts + `,"target":{"repository":"a","tag":1}}`, "target.tag", "must be a string"},
		{"host not a string", `{"action":"push",` + ts + `,"target":{"repository":"a"},"request":{"host":[]}}`, "request.host", "must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(schemaBase).Decode(adapter.Delivery{Body: []byte(tt.body)})
			adaptertest.WantFieldError(t, err, tt.field, tt.problem)
		})
	}
}

func TestRecognizes(t *testing.T) {
	for _, f := range []string{"push.json", "delete.json", "quarantine.json", "chart-push.json", "chart-delete.json"} {
		if !recognizes(adapter.Delivery{Body: adaptertest.Sample(t, Samples, f)}) {
			t.Errorf("%s not recognized", f)
		}
	}
	ua := http.Header{"User-Agent": {"AzureContainerRegistry/1.0"}}
	if !recognizes(adapter.Delivery{Header: ua, Body: []byte(`{}`)}) {
		t.Error("ACR's User-Agent not recognized")
	}
	for _, body := range []string{
		``, `{}`, `[]`,
		`{"action":"push"}`,
		`{"events":[{"action":"push","target":{"repository":"a"}}]}`,
		`{"type":"TAG_PUSH","createdAt":"2017-11-17T16:52:01Z","contents":{}}`,
		`{"action":"published","package":{}}`,
		`{"push_data":{"pushed_at":1},"repository":{"repo_name":"a/b"}}`,
	} {
		if recognizes(adapter.Delivery{Header: http.Header{}, Body: []byte(body)}) {
			t.Errorf("%s recognized as ACR's", body)
		}
	}
}
