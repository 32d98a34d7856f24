package harbor

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/adaptertest"
	"github.com/hubwire/hubwire/schemas/schematest"
)

const schemaBase = "http://hubwire.test/schemas/"

// deliver sends a sample as Harbor does: with its Content-Type.
func deliver(t testing.TB, name string) adapter.Delivery {
	t.Helper()
	d, err := Registry.SampleDelivery(strings.TrimSuffix(name, ".json"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func decode(t *testing.T, d adapter.Delivery) []*adapter.Decoded {
	t.Helper()
	ds, err := New(schemaBase).Decode(d)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return ds
}

const (
	alpinePushed  = "sha256:954b378c375d852eb3c63ab88978f640b4348b01c1b3456a024a81536dafbbf4"
	alpineDeleted = "sha256:2bb501e6173d9d006e56de5bce2720eb06396803300fe1687b58a7ff32bf4c14"
)

func TestDecodeSamples(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file, action, kind, source, subject, tag, digest, actor string
		time                                                    time.Time
		global                                                  bool
	}{
		{"push-artifact.json", "artifact.pushed", "artifact_pushed", "https://localhost/harbor/alpine", "harbor/alpine@" + alpinePushed, "", alpinePushed, "harbor-jobservice", time.Unix(1680501893, 0), false},
		{"push-artifact-cloudevents.json", "artifact.pushed", "artifact_pushed", "https://localhost/harbor/alpine", "harbor/alpine@" + alpinePushed, "", alpinePushed, "harbor-jobservice", time.Date(2023, 4, 3, 6, 4, 46, 0, time.UTC), false},
		{"pull-artifact.json", "artifact.pulled", "artifact_pulled", "https://localhost/harbor/alpine", "harbor/alpine@" + alpinePushed, "", alpinePushed, "robot$harbor+wHSYCuGD-Trivy-8e2e7505-d1e6-11ed-9e71-0242ac130009", time.Unix(1680502372, 0), false},
		{"pull-artifact-cloudevents.json", "artifact.pulled", "artifact_pulled", "https://localhost/harbor/alpine", "harbor/alpine@" + alpinePushed, "", alpinePushed, "robot$harbor+wHSYCuGD-Trivy-8e2e7505-d1e6-11ed-9e71-0242ac130009", time.Unix(1680502372, 0), false},
		{"delete-artifact.json", "artifact.deleted", "artifact_deleted", "https://localhost/harbor/alpine", "harbor/alpine:3.8", "3.8", alpineDeleted, "harbor-jobservice", time.Unix(1680502598, 0), false},
		{"delete-artifact-cloudevents.json", "artifact.deleted", "artifact_deleted", "https://localhost/harbor/alpine", "harbor/alpine:3.8", "3.8", alpineDeleted, "harbor-jobservice", time.Unix(1680502598, 0), false},
		{"scanning-completed.json", "scan.completed", "scan_completed", "https://localhost/harbor/alpine", "harbor/alpine@" + alpinePushed, "", alpinePushed, "auto", time.Unix(1680502375, 0), false},
		{"scanning-completed-cloudevents.json", "scan.completed", "scan_completed", "https://localhost/harbor/alpine", "harbor/alpine@" + alpinePushed, "", alpinePushed, "auto", time.Unix(1680502375, 0), false},
		{"scanning-failed.json", "scan.failed", "scan_failed", "https://localhost/harbor/alpine", "harbor/alpine@sha256:dabea2944dcc2b86482b4f0b0fb62da80e0673e900c46c0e03b45919881a5d84", "", "sha256:dabea2944dcc2b86482b4f0b0fb62da80e0673e900c46c0e03b45919881a5d84", "auto", time.Unix(1680505885, 0), false},
		{"scanning-failed-cloudevents.json", "scan.failed", "scan_failed", "https://localhost/harbor/alpine", "harbor/alpine@sha256:dabea2944dcc2b86482b4f0b0fb62da80e0673e900c46c0e03b45919881a5d84", "", "sha256:dabea2944dcc2b86482b4f0b0fb62da80e0673e900c46c0e03b45919881a5d84", "auto", time.Unix(1680505885, 0), false},
		{"scanning-stopped.json", "scan.stopped", "scan_stopped", "https://localhost/harbor/alpine", "harbor/alpine@sha256:e802987f152d7826cf929ad4999fb3bb956ce7a30966aeb46c749f9120eaf22c", "", "sha256:e802987f152d7826cf929ad4999fb3bb956ce7a30966aeb46c749f9120eaf22c", "auto", time.Unix(1680502334, 0), false},
		{"scanning-stopped-cloudevents.json", "scan.stopped", "scan_stopped", "https://localhost/harbor/alpine", "harbor/alpine@sha256:e802987f152d7826cf929ad4999fb3bb956ce7a30966aeb46c749f9120eaf22c", "", "sha256:e802987f152d7826cf929ad4999fb3bb956ce7a30966aeb46c749f9120eaf22c", "auto", time.Unix(1680502334, 0), false},
		// Quota events name no resource_url, so no host.
		{"quota-exceed.json", "quota.exceeded", "quota_exceeded", "urn:hubwire:harbor:harbor/alpine", "harbor/alpine@sha256:402d21757a03a114d273bbe372fa4b9eca567e8b6c332fa7ebf982b902207242", "", "sha256:402d21757a03a114d273bbe372fa4b9eca567e8b6c332fa7ebf982b902207242", "", time.Unix(1680505484, 0), false},
		{"quota-exceed-cloudevents.json", "quota.exceeded", "quota_exceeded", "urn:hubwire:harbor:harbor/alpine", "harbor/alpine@sha256:402d21757a03a114d273bbe372fa4b9eca567e8b6c332fa7ebf982b902207242", "", "sha256:402d21757a03a114d273bbe372fa4b9eca567e8b6c332fa7ebf982b902207242", "", time.Unix(1680505484, 0), false},
		{"quota-warning.json", "quota.warning", "quota_warning", "urn:hubwire:harbor:harbor/alpine", "harbor/alpine@sha256:514ec80ffbe1a2ab1d9a3d5e6082296296a1d8b6870246edf897228e5df2367d", "", "sha256:514ec80ffbe1a2ab1d9a3d5e6082296296a1d8b6870246edf897228e5df2367d", "", time.Unix(1680505653, 0), false},
		{"replication.json", "replication.status.changed", "replication", "https://localhost", "replication", "", "", "MANUAL", time.Unix(1680501904, 0), true},
		{"tag-retention.json", "tag_retention.finished", "tag_retention", "https://localhost", "tag_retention", "", "", "MANUAL", time.Unix(1680502598, 0), true},
		{"tag-retention-cloudevents.json", "tag_retention.finished", "tag_retention", "https://localhost", "tag_retention", "", "", "MANUAL", time.Unix(1680502598, 0), true},
	}
	ids := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ds := decode(t, deliver(t, tt.file))
			if len(ds) != 1 {
				t.Fatalf("%d events", len(ds))
			}
			d := ds[0]
			e := d.Event
			schema := "harbor." + tt.action
			if e.Type() != typePrefix+tt.action || e.Source() != tt.source || e.Subject() != tt.subject || !e.Time().Equal(tt.time) ||
				e.DataSchema() != schemaBase+schema+".json" || e.DataContentType() != "application/json" || e.SpecVersion() != "1.0" {
				t.Errorf("attributes: type %q source %q subject %q time %v dataschema %q", e.Type(), e.Source(), e.Subject(), e.Time(), e.DataSchema())
			}
			ext := e.Extensions()
			ce := strings.HasSuffix(tt.file, "-cloudevents.json")
			if ce {
				var in struct{ ID, Source, Type string }
				json.Unmarshal(adaptertest.Sample(t, Samples, tt.file), &in)
				if ext[ExtHarborID] != in.ID || ext[ExtHarborSource] != in.Source || ext[ExtHarborType] != in.Type {
					t.Errorf("upstream extensions %v", ext)
				}
			} else if ext[ExtHarborID] != nil || ext[ExtHarborType] != nil {
				t.Errorf("a Default delivery has upstream extensions: %v", ext)
			}
			if tt.global {
				if ext["partitionkey"] != tt.subject || ext["repository"] != nil || d.Address.Namespace != "" || d.Address.Name != "" {
					t.Errorf("extensions %v, address %+v", ext, d.Address)
				}
			} else if ext["partitionkey"] != "harbor/alpine" || ext["repository"] != "harbor/alpine" || ext["digest"] != tt.digest ||
				(tt.tag == "") != (ext["tag"] == nil) || d.Address.Namespace != "harbor" || d.Address.Name != "alpine" {
				t.Errorf("extensions %v, address %+v", ext, d.Address)
			}
			if d.Address.Source != "harbor" || d.Address.Kind != tt.kind {
				t.Errorf("address %+v", d.Address)
			}
			var data Data
			if err := json.Unmarshal(e.Data(), &data); err != nil {
				t.Fatal(err)
			}
			if data.Registry != "harbor" || data.Action != tt.action || data.Tag != tt.tag || data.Digest != tt.digest || data.Actor != tt.actor ||
				!data.OccurredAt.Equal(tt.time) || len(data.Payload) == 0 {
				t.Errorf("facts %+v", data.Facts)
			}
			if !tt.global && (data.Repository != "harbor/alpine" || data.Namespace != "harbor" || data.Name != "alpine") {
				t.Errorf("repository facts %+v", data.Facts)
			}
			switch {
			case strings.HasPrefix(tt.action, "scan."):
				if data.Scan == nil || data.Scan.Status == "" || data.Scan.ReportType != "application/vnd.security.vulnerability.report; version=1.1" {
					t.Errorf("scan %+v", data.Scan)
				}
			case strings.HasPrefix(tt.action, "quota."):
				if data.Details == "" {
					t.Error("no quota details")
				}
			case tt.kind == "replication":
				if r := data.Replication; r == nil || *r != (Replication{Status: "Success", Trigger: "MANUAL", ArtifactType: "image", Source: "https://hub.docker.com", Destination: "http://localhost"}) {
					t.Errorf("replication %+v", r)
				}
			case tt.kind == "tag_retention":
				if r := data.Retention; r == nil || *r != (Retention{Result: "SUCCESS", Project: "harbor", Total: 1, Retained: 0}) {
					t.Errorf("retention %+v", r)
				}
			}
			if err := validator.Validate(e.DataSchema(), e.Data()); err != nil {
				t.Error(err)
			}
			// The Default and CloudEvents forms of one occurrence share an
			// id; two occurrences never do.
			occurrence := tt.action + "@" + tt.time.String()
			if other, ok := ids[e.ID()]; ok && other != occurrence {
				t.Errorf("id %s also names %s", e.ID(), other)
			}
			ids[e.ID()] = occurrence
			again := decode(t, deliver(t, tt.file))
			if again[0].Event.ID() != e.ID() {
				t.Error("a redelivery gets a new id")
			}
		})
	}
	if len(ids) != 11 {
		t.Errorf("%d distinct ids, want 11 (7 kinds sent in both forms at one time)", len(ids))
	}
}

func TestEverySampleIsListed(t *testing.T) {
	for _, name := range Registry.SampleNames() {
		ds := decode(t, deliver(t, name))
		if len(ds) != 1 {
			t.Fatalf("%s: %d events", name, len(ds))
		}
		if _, ok := Registry.Type(ds[0].Event.Type()); !ok {
			t.Errorf("%s: type %s is not listed", name, ds[0].Event.Type())
		}
	}
}

// TestResources: each artifact of a delivery is an event of its own, and
// a tag that is a digest is read as the digest.
func TestResources(t *testing.T) {
	body := []byte(`{"type":"PUSH_ARTIFACT","occur_at":1700000000,"operator":"admin","event_data":{
		"resources":[{"digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","tag":"v1","resource_url":"harbor.example.com:8443/lib/app:v1"},
		             {"digest":"sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","tag":"sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","resource_url":"harbor.example.com:8443/lib/app@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}],
		"repository":{"name":"team/app","namespace":"lib","repo_full_name":"lib/team/app","repo_type":"public","some_new_field":[1]}},"new_top":true}`)
	ds := decode(t, adapter.Delivery{Header: http.Header{"Content-Type": {"application/json"}}, Body: body})
	if len(ds) != 2 {
		t.Fatalf("%d events", len(ds))
	}
	if ds[0].Event.Subject() != "lib/team/app:v1" || ds[1].Event.Subject() != "lib/team/app@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" {
		t.Errorf("subjects %q %q", ds[0].Event.Subject(), ds[1].Event.Subject())
	}
	if ds[0].Event.ID() == ds[1].Event.ID() {
		t.Error("two artifacts share an id")
	}
	if ds[1].Event.Extensions()["tag"] != nil {
		t.Errorf("a digest taken for a tag: %v", ds[1].Event.Extensions())
	}
	if s := ds[0].Event.Source(); s != "https://harbor.example.com:8443/lib/team%2Fapp" {
		t.Errorf("source %q", s)
	}
	if a := ds[0].Address; a.Namespace != "lib" || a.Name != "team/app" {
		t.Errorf("address %+v", a)
	}
}

// TestOtherNames: Harbor 1.x names are read as their 2.x counterparts,
// a kind hubwire does not know is published under its own name, and a
// test delivery is no event.
func TestOtherNames(t *testing.T) {
	one := func(typ string) string {
		body := `{"type":"` + typ + `","occur_at":1700000000,"operator":"admin","event_data":{"resources":[{"digest":"sha256:1","tag":"v1"}],"repository":{"repo_full_name":"lib/app"}}}`
		ds := decode(t, adapter.Delivery{Body: []byte(body)})
		if len(ds) != 1 {
			t.Fatalf("%s: %d events", typ, len(ds))
		}
		if typ == "SOMETHING_NEW" || typ == "uploadChart" {
			if s := ds[0].Event.DataSchema(); s != schemaBase+"harbor.event.json" {
				t.Errorf("%s: schema %s", typ, s)
			}
		}
		return ds[0].Event.Type()
	}
	for typ, want := range map[string]string{
		"pushImage": "io.goharbor.artifact.pushed", "pullImage": "io.goharbor.artifact.pulled", "deleteImage": "io.goharbor.artifact.deleted",
		"scanningCompleted": "io.goharbor.scan.completed", "scanningFailed": "io.goharbor.scan.failed",
		"uploadChart": "io.goharbor.chart.uploaded", "downloadChart": "io.goharbor.chart.downloaded", "deleteChart": "io.goharbor.chart.deleted",
		"SOMETHING_NEW": "io.goharbor.something_new",
	} {
		if got := one(typ); got != want {
			t.Errorf("%s: type %s, want %s", typ, got, want)
		}
	}
	for _, body := range []string{``, ` `, `{"type":"testEndpoint","occur_at":1}`} {
		if ds := decode(t, adapter.Delivery{Body: []byte(body)}); len(ds) != 0 {
			t.Errorf("%q: %d events", body, len(ds))
		}
	}
	// An unknown CloudEvents type is typed by its own name too.
	ce := `{"specversion":"1.0","id":"x","source":"/projects/1/webhook/policies/1","type":"harbor.artifact.labeled","time":"2025-01-02T03:04:05Z","data":{"resources":[{"digest":"sha256:1"}],"repository":{"repo_full_name":"lib/app"}}}`
	ds := decode(t, adapter.Delivery{Header: http.Header{"Content-Type": {cloudEventsMediaType}}, Body: []byte(ce)})
	if len(ds) != 1 || ds[0].Event.Type() != "io.goharbor.artifact.labeled" || ds[0].Event.Extensions()[ExtHarborType] != "harbor.artifact.labeled" {
		t.Errorf("unknown CloudEvent: %d events", len(ds))
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct{ name, contentType, body, field string }{
		{"not JSON", "application/json", `{`, ""},
		{"no type", "application/json", `{"occur_at":1,"event_data":{}}`, "type"},
		{"type not a string", "application/json", `{"type":1}`, "type"},
		{"no occur_at", "application/json", `{"type":"PUSH_ARTIFACT","event_data":{"repository":{"repo_full_name":"a/b"}}}`, "occur_at"},
		{"bad occur_at", "application/json", `{"type":"PUSH_ARTIFACT","occur_at":"yesterday"}`, "occur_at"},
		{"no repository", "application/json", `{"type":"PUSH_ARTIFACT","occur_at":1,"event_data":{"resources":[{"digest":"sha256:1"}]}}`, "event_data.repository.repo_full_name"},
		{"resources not a list", "application/json", `{"type":"PUSH_ARTIFACT","occur_at":1,"event_data":{"resources":{}}}`, "event_data.resources"},
		{"no time", cloudEventsMediaType, `{"specversion":"1.0","type":"harbor.artifact.pushed","data":{}}`, "time"},
		{"bad time", cloudEventsMediaType, `{"specversion":"1.0","type":"harbor.artifact.pushed","time":"now","data":{}}`, "time"},
		{"CloudEvent type names no event", cloudEventsMediaType, `{"specversion":"1.0","type":"harbor.","time":"2025-01-02T03:04:05Z","data":{"repository":{"repo_full_name":"a/b"}}}`, "type"},
		{"type names no event", "application/json", `{"type":"harbor.","occur_at":1,"event_data":{"repository":{"repo_full_name":"a/b"}}}`, "type"},
		{"no CloudEvent repository", cloudEventsMediaType, `{"specversion":"1.0","type":"harbor.artifact.pushed","time":"2025-01-02T03:04:05Z","data":{}}`, "data.repository.repo_full_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(schemaBase).Decode(adapter.Delivery{Header: http.Header{"Content-Type": {tt.contentType}}, Body: []byte(tt.body)})
			var fe *adapter.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a FieldError", err)
			}
			if tt.field != "" && fe.Field != tt.field {
				t.Errorf("field %q, want %q (%v)", fe.Field, tt.field, err)
			}
		})
	}
}

func TestRecognizes(t *testing.T) {
	for _, name := range Registry.SampleNames() {
		if !recognizes(deliver(t, name)) {
			t.Errorf("%s not recognized", name)
		}
	}
	for _, body := range []string{`{}`, `not json`, `{"action":"push","target":{}}`, `{"events":[]}`,
		`{"type":"PUSH_ARTIFACT"}`, `{"type":"other","event_data":{}}`, `{"push_data":{},"repository":{}}`} {
		if recognizes(adapter.Delivery{Body: []byte(body)}) {
			t.Errorf("%s recognized", body)
		}
	}
}

func TestFreshen(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)
	for _, name := range []string{"push-artifact", "push-artifact-cloudevents"} {
		d := deliver(t, name)
		old := decode(t, d)[0].Event.ID()
		d.Body = Registry.Freshen(d.Body, now)
		e := decode(t, d)[0].Event
		if !e.Time().Equal(now.Truncate(time.Second)) || e.ID() == old {
			t.Errorf("%s: time %v, id %s (was %s)", name, e.Time(), e.ID(), old)
		}
	}
}
