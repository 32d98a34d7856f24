package nexus

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

// deliver decodes a sample as Nexus sends it (its webhook id header).
func deliver(t testing.TB, src *Source, name string) ([]*adapter.Decoded, adapter.Delivery) {
	t.Helper()
	d, err := Registry.SampleDelivery(name)
	if err != nil {
		t.Fatal(err)
	}
	events, err := src.Decode(d)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return events, d
}

func TestDecodeSamples(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		sample, typ, source, subject, repo, ns, name, tag, digest, actor, partition string
		time                                                                        time.Time
	}{
		{"component-created", "com.sonatype.nexus.component.created", "urn:hubwire:nexus:docker-hosted/org/demo2", "org/demo2:1.0.3", "org/demo2", "org", "demo2", "1.0.3", "", "ci-deployer", "org/demo2",
			time.Date(2023, 5, 16, 9, 41, 12, 318e6, time.UTC)},
		{"component-updated", "com.sonatype.nexus.component.updated", "urn:hubwire:nexus:docker-hosted/org/demo2", "org/demo2:1.0.3", "org/demo2", "org", "demo2", "1.0.3", "", "ci-deployer", "org/demo2",
			time.Date(2023, 5, 16, 9, 41, 13, 27e6, time.UTC)},
		{"component-deleted", "com.sonatype.nexus.component.deleted", "urn:hubwire:nexus:docker-hosted/org/demo2", "org/demo2:0.9.0", "org/demo2", "org", "demo2", "0.9.0", "", "admin", "org/demo2",
			time.Date(2023, 6, 2, 17, 5, 44, 901e6, time.UTC)},
		// The docs' npm asset: no image; the repository is Nexus's.
		{"asset-created", "com.sonatype.nexus.asset.created", "urn:hubwire:nexus:npm-proxy", "npm-proxy", "npm-proxy", "", "npm-proxy", "", "", "admin", "npm-proxy",
			time.Date(2016, 11, 10, 23, 57, 49, 664e6, time.UTC)},
		{"asset-updated", "com.sonatype.nexus.asset.updated", "urn:hubwire:nexus:docker-hosted/org/demo2", "org/demo2:1.0.3", "org/demo2", "org", "demo2", "1.0.3", "", "ci-deployer", "org/demo2",
			time.Date(2023, 5, 16, 9, 41, 13, 112e6, time.UTC)},
		// A blob of the shared blob store belongs to no one image.
		{"asset-deleted", "com.sonatype.nexus.asset.deleted", "urn:hubwire:nexus:docker-hosted",
			"docker-hosted@sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4", "docker-hosted", "", "docker-hosted", "", "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4", "admin", "docker-hosted",
			time.Date(2023, 6, 2, 17, 5, 45, 230e6, time.UTC)},
	}
	ids := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.sample, func(t *testing.T) {
			events, d := deliver(t, New(schemaBase), tt.sample)
			if len(events) != 1 {
				t.Fatalf("%d events", len(events))
			}
			e := events[0].Event
			action := strings.TrimPrefix(tt.typ, typePrefix)
			if e.Type() != tt.typ || e.Source() != tt.source || e.Subject() != tt.subject || !e.Time().Equal(tt.time) || e.DataSchema() != schemaBase+"nexus."+action+".json" {
				t.Errorf("attributes: type %q source %q subject %q time %v dataschema %q", e.Type(), e.Source(), e.Subject(), e.Time(), e.DataSchema())
			}
			ext := e.Extensions()
			if ext["partitionkey"] != tt.partition || (tt.repo != "") != (ext["repository"] != nil) || (tt.digest != "") != (ext["digest"] != nil) {
				t.Errorf("extensions %v", ext)
			}
			if a := events[0].Address; a.Source != "nexus" || a.Kind != strings.ReplaceAll(action, ".", "_") || a.Namespace != tt.ns || a.Name != tt.name {
				t.Errorf("address %+v", a)
			}
			var data Data
			if err := json.Unmarshal(e.Data(), &data); err != nil {
				t.Fatal(err)
			}
			if data.Registry != "nexus" || data.Action != action || data.Repository != tt.repo || data.Tag != tt.tag || data.Digest != tt.digest ||
				data.Actor != tt.actor || data.Webhook != d.Header.Get("X-Nexus-Webhook-ID") || data.NexusRepository == "" || data.NodeID == "" ||
				(data.Component == nil) == (data.Asset == nil) {
				t.Errorf("data %+v", data)
			}
			if !json.Valid(data.Payload) || !strings.Contains(string(data.Payload), `"initiator"`) {
				t.Errorf("payload %s", data.Payload)
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

// TestUploadBurst: Nexus 3.70+ sends one CREATED and many UPDATED for one
// upload. Each delivery sent again is the same event; the UPDATED
// deliveries of one component within a minute are one event; the CREATED
// is another; an update a minute later, or of another component, is new.
func TestUploadBurst(t *testing.T) {
	body := func(action, ts, id string) []byte {
		return []byte(`{"timestamp":"` + ts + `","nodeId":"N","initiator":"u/1.2.3.4","repositoryName":"docker-hosted","action":"` + action +
			`","component":{"id":"` + id + `","format":"docker","name":"org/app","version":"1.0"}}`)
	}
	idOf := func(b []byte) string {
		events, err := New(schemaBase).Decode(adapter.Delivery{Header: http.Header{"X-Nexus-Webhook-Id": {webhookComponent}}, Body: b})
		if err != nil || len(events) != 1 {
			t.Fatalf("%s: %v", b, err)
		}
		return events[0].Event.ID()
	}
	created := idOf(body("CREATED", "2024-08-20T10:00:01.100+0000", "c1"))
	burst := map[string]bool{}
	for _, ts := range []string{"2024-08-20T10:00:01.300+0000", "2024-08-20T10:00:02.000+0000", "2024-08-20T10:00:09.999+0000", "2024-08-20T10:00:59.000+0000"} {
		burst[idOf(body("UPDATED", ts, "c1"))] = true
	}
	if len(burst) != 1 || burst[created] {
		t.Errorf("the burst made %d ids (want 1), the CREATED's among them: %v", len(burst), burst[created])
	}
	if idOf(body("CREATED", "2024-08-20T10:00:01.100+0000", "c1")) != created {
		t.Error("the same CREATED sent again got a new id")
	}
	for _, other := range [][]byte{body("UPDATED", "2024-08-20T10:01:00.000+0000", "c1"), body("UPDATED", "2024-08-20T10:00:02.000+0000", "c2"),
		body("DELETED", "2024-08-20T10:00:02.000+0000", "c1")} {
		if id := idOf(other); burst[id] || id == created {
			t.Errorf("%s is taken for the burst", other)
		}
	}
}

// TestOtherWebhooksKept: the global webhooks' events (repository, audit)
// are stored under their own names with the generic schema.
func TestOtherWebhooksKept(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	received := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tt := range []struct{ webhook, body, typ, subject string }{
		{"rm:repository", `{"timestamp":"2016-11-14T19:32:13.515+0000","nodeId":"N","initiator":"admin/127.0.0.1","action":"CREATED","repository":{"format":"npm","type":"proxy","name":"npm-proxy"}}`,
			"com.sonatype.nexus.repository.created", "npm-proxy"},
		{"rm:audit", `{"nodeId":"N","initiator":"admin/127.0.0.1","audit":{"domain":"security.user","type":"created","context":"testuser","attributes":{"id":"testuser"}}}`,
			"com.sonatype.nexus.audit.created", ""},
		{"rm:repository:component", `{"timestamp":"2016-11-14T19:32:13.515+0000","nodeId":"N","initiator":"admin","repositoryName":"maven-releases","action":"PURGED","component":{"format":"maven2","group":"org.acme","name":"app","version":"1.0"}}`,
			"com.sonatype.nexus.component.purged", "maven-releases/org.acme/app:1.0"},
	} {
		src := New(schemaBase)
		src.now = func() time.Time { return received }
		events, err := src.Decode(adapter.Delivery{Header: http.Header{"X-Nexus-Webhook-Id": {tt.webhook}}, Body: []byte(tt.body)})
		if err != nil || len(events) != 1 {
			t.Fatalf("%s: %v", tt.typ, err)
		}
		e := events[0].Event
		if e.Type() != tt.typ || e.Subject() != tt.subject || e.DataSchema() != schemaBase+"nexus.event.json" {
			t.Errorf("type %q subject %q dataschema %q", e.Type(), e.Subject(), e.DataSchema())
		}
		if tt.webhook == "rm:audit" && !e.Time().Equal(received) {
			t.Errorf("audit time %v", e.Time())
		}
		if err := validator.Validate(e.DataSchema(), e.Data()); err != nil {
			t.Error(err)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	comp := http.Header{"X-Nexus-Webhook-Id": {webhookComponent}}
	tests := []struct {
		name   string
		h      http.Header
		body   string
		field  string
		saying string
	}{
		{"not json", comp, `{"action":`, "", "not valid JSON"},
		{"no webhook id", http.Header{}, `{"action":"CREATED"}`, "X-Nexus-Webhook-ID", "is required"},
		{"no action", comp, `{"timestamp":"2016-11-10T23:57:49.664+0000","component":{"name":"a"}}`, "action", "is required"},
		{"no component", comp, `{"timestamp":"2016-11-10T23:57:49.664+0000","action":"CREATED"}`, "component", "is required"},
		{"no repositoryName", comp, `{"timestamp":"2016-11-10T23:57:49.664+0000","action":"CREATED","component":{"name":"a"}}`, "repositoryName", "is required"},
		{"no asset", http.Header{"X-Nexus-Webhook-Id": {webhookAsset}}, `{"timestamp":"2016-11-10T23:57:49.664+0000","action":"CREATED"}`, "asset", "is required"},
		{"no timestamp", comp, `{"action":"CREATED","component":{"name":"a"}}`, "timestamp", "is required"},
		{"bad timestamp", comp, `{"timestamp":"yesterday","action":"CREATED","component":{"name":"a"}}`, "timestamp", "is not a time"},
		{"name not a string", comp, `{"timestamp":"2016-11-10T23:57:49.664+0000","repositoryName":"r","action":"CREATED","component":{"name":5}}`, "component.name", "must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(schemaBase).Decode(adapter.Delivery{Header: tt.h, Body: []byte(tt.body)})
			adaptertest.WantFieldError(t, err, tt.field, tt.saying)
		})
	}
}

func TestFreshenMakesANewEvent(t *testing.T) {
	events, d := deliver(t, New(schemaBase), "component-created")
	d.Body = freshen(d.Body, time.Now())
	fresh, err := New(schemaBase).Decode(d)
	if err != nil || fresh[0].Event.ID() == events[0].Event.ID() || time.Since(fresh[0].Event.Time()) > time.Minute {
		t.Errorf("freshened: %v, time %v", err, fresh[0].Event.Time())
	}
}

func TestRecognizes(t *testing.T) {
	for _, name := range Registry.SampleNames() {
		d, _ := Registry.SampleDelivery(name)
		if !recognizes(d) {
			t.Errorf("%s not recognized", name)
		}
		if !recognizes(adapter.Delivery{Header: http.Header{}, Body: d.Body}) {
			t.Errorf("%s not recognized by its body", name)
		}
	}
	for _, body := range []string{``, `{}`, `{"action":"CREATED","component":{}}`, `{"repository":"a/b","docker_url":"x","homepage":"y"}`} {
		if recognizes(adapter.Delivery{Header: http.Header{}, Body: []byte(body)}) {
			t.Errorf("%s recognized as Nexus's", body)
		}
	}
}
