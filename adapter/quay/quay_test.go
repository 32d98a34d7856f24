package quay

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/adaptertest"
	"github.com/hubwire/hubwire/schemas/schematest"
)

const schemaBase = "http://hubwire.test/schemas/"

// received is the clock of the tests' decoders: Quay sends no time, so
// events are timed when they are received.
var received = time.Date(2025, 6, 7, 8, 9, 10, 0, time.UTC)

func newSource() *Source {
	s := New(schemaBase)
	s.now = func() time.Time { return received }
	return s
}

func decode(s *Source, event string, body []byte) ([]*adapter.Decoded, error) {
	return s.Decode(adapter.Delivery{Query: url.Values{"event": {event}}, Body: body})
}

func TestDecodeSamples(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	type want struct{ subject, repo, tag, digest, actor string }
	tests := []struct {
		file, event, ceType string
		events              []want
		host                string
	}{
		// Quay's documentation says "name": "repository"; repository wins.
		{"repo-push.json", "repo_push", "io.quay.repo.pushed", []want{{"dgangaia/test:latest", "dgangaia/test", "latest", "", ""}}, "quay.io"},
		{"repo-push-legacy.json", "repo_push", "io.quay.repo.pushed", []want{{"devtable/ubuntu:latest", "devtable/ubuntu", "latest", "", ""}}, "quay.io"},
		{"repo-push-test-notification.json", "repo_push", "io.quay.repo.pushed", []want{{"acme/web:latest", "acme/web", "latest", "", ""}, {"acme/web:foo", "acme/web", "foo", "", ""}}, "quay.io"},
		{"build-queued.json", "build_queued", "io.quay.build.queued", []want{{"dgangaia/test", "dgangaia/test", "", "", "dgangaia"}}, "quay.io"},
		{"build-start.json", "build_start", "io.quay.build.started", []want{{"dgangaia/test", "dgangaia/test", "", "", "dgangaia"}}, "quay.io"},
		// Two manifests: no one digest names the build's result.
		{"build-success.json", "build_success", "io.quay.build.succeeded", []want{{"dgangaia/test", "dgangaia/test", "", "", "dgangaia"}}, "quay.io"},
		{"build-failure.json", "build_failure", "io.quay.build.failed", []want{{"dgangaia/test", "dgangaia/test", "", "", "dgangaia"}}, "quay.io"},
		{"build-cancelled.json", "build_cancelled", "io.quay.build.cancelled", []want{{"dgangaia/test", "dgangaia/test", "", "", "dgangaia"}}, "quay.io"},
		{"vulnerability-found.json", "vulnerability_found", "io.quay.vulnerability.found", []want{{"acme/web:v1.4.2", "acme/web", "v1.4.2", "", ""}}, "quay.io"},
	}
	ids := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			events, err := decode(newSource(), tt.event, adaptertest.Sample(t, Samples, tt.file))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if len(events) != len(tt.events) {
				t.Fatalf("%d events, want %d", len(events), len(tt.events))
			}
			again, _ := decode(New(schemaBase), tt.event, adaptertest.Sample(t, Samples, tt.file))
			for i, w := range tt.events {
				d, e := events[i], events[i].Event
				if e.Type() != tt.ceType || e.Subject() != w.subject || !e.Time().Equal(received) ||
					e.Source() != "urn:hubwire:quay:"+tt.host+"/"+w.repo ||
					e.DataSchema() != schemaBase+"quay."+strings.TrimPrefix(tt.ceType, "io.quay.")+".json" || e.DataContentType() != "application/json" {
					t.Errorf("attributes: type %q subject %q time %v source %q dataschema %q", e.Type(), e.Subject(), e.Time(), e.Source(), e.DataSchema())
				}
				ext := e.Extensions()
				if ext["partitionkey"] != w.repo || text(ext["repository"]) != w.repo || text(ext["tag"]) != w.tag || text(ext["digest"]) != w.digest {
					t.Errorf("extensions %v", ext)
				}
				ns, name, _ := strings.Cut(w.repo, "/")
				if d.Address.Source != "quay" || d.Address.Kind != tt.event || d.Address.Namespace != ns || d.Address.Name != name {
					t.Errorf("address %+v", d.Address)
				}
				var data map[string]any
				if err := json.Unmarshal(e.Data(), &data); err != nil {
					t.Fatal(err)
				}
				if data["registry"] != "quay" || data["repository"] != w.repo || data["namespace"] != ns || data["name"] != name ||
					text(data["tag"]) != w.tag || text(data["actor"]) != w.actor || data["action"] != strings.TrimPrefix(tt.ceType, "io.quay.") ||
					data["occurred_at"] != received.Format(time.RFC3339Nano) || data["docker_url"] != "quay.io/"+w.repo || data["payload"] == nil {
					t.Errorf("data facts %s", e.Data())
				}
				if err := validator.Validate(e.DataSchema(), e.Data()); err != nil {
					t.Error(err)
				}
				// The id is made of what identifies the occurrence, never
				// the time of receipt: a redelivery is the same event.
				if again[i].Event.ID() != e.ID() {
					t.Errorf("id %s, then %s on a redelivery", e.ID(), again[i].Event.ID())
				}
				if other, dup := ids[e.ID()]; dup {
					t.Errorf("id %s also made by %s", e.ID(), other)
				}
				ids[e.ID()] = tt.file
			}
		})
	}
}

func TestDecodeKindFacts(t *testing.T) {
	one := func(event, file string) Data {
		t.Helper()
		events, err := decode(newSource(), event, adaptertest.Sample(t, Samples, file))
		if err != nil || len(events) != 1 {
			t.Fatalf("%s: %v, %d events", file, err, len(events))
		}
		var d Data
		if err := json.Unmarshal(events[0].Event.Data(), &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := one("repo_push", "repo-push-legacy.json"); d.ImageID != "8dbd9e392a964056420e5d58ca5cc376ef18e2de93b5cc90e868a1bbc8318c1c" {
		t.Errorf("legacy push: image_id %q", d.ImageID)
	}
	b := one("build_success", "build-success.json").Build
	if b == nil || b.ID != "296ec063-5f86-4706-a469-f0a400bf9df2" || b.Name != "b7f7d2b" || len(b.Tags) != 2 || b.TriggerKind != "github" ||
		b.Commit != "b7f7d2b948aacbe844ee465122a85a9368b2b735" || b.Ref != "refs/heads/master" || len(b.ManifestDigests) != 2 ||
		b.Image != "sha256:0339f178f26ae24930e9ad32751d6839015109eabdf1c25b3b0f2abf8934f6cb" || b.Error != "" {
		t.Errorf("build_success: %+v", b)
	}
	if b := one("build_failure", "build-failure.json").Build; b.Error != "Could not find or parse Dockerfile: unknown instruction: GIT" {
		t.Errorf("build_failure: %+v", b)
	}
	if b := one("build_queued", "build-queued.json").Build; b.Manual == nil || *b.Manual {
		t.Errorf("build_queued: %+v", b)
	}
	v := one("vulnerability_found", "vulnerability-found.json")
	if v.Vulnerability == nil || v.Vulnerability.ID != "CVE-2023-4911" || v.Vulnerability.Priority != "High" || v.Vulnerability.HasFix == nil ||
		!*v.Vulnerability.HasFix || len(v.Tags) != 1 {
		t.Errorf("vulnerability_found: %+v", v)
	}
}

func TestDecodeShapes(t *testing.T) {
	s := newSource()
	const repo = `"repository":"ns/app","docker_url":"quay.example.com/ns/app","homepage":"https://quay.example.com/repository/ns/app"`
	// A push of no tag is one event without a tag.
	events, err := decode(s, "repo_push", []byte(`{`+repo+`,"updated_tags":[]}`))
	if err != nil || len(events) != 1 || events[0].Event.Subject() != "ns/app" || events[0].Event.Source() != "urn:hubwire:quay:quay.example.com/ns/app" {
		t.Fatalf("no tags: %v %v", err, events)
	}
	// Three tags, three events, each its own id.
	events, err = decode(s, "repo_push", []byte(`{`+repo+`,"updated_tags":["a","b","c"]}`))
	if err != nil || len(events) != 3 || events[0].Event.ID() == events[1].Event.ID() || events[2].Event.Subject() != "ns/app:c" {
		t.Fatalf("three tags: %v %v", err, events)
	}
	// A tag that is not a string is rejected beside the others.
	events, err = decode(s, "repo_push", []byte(`{`+repo+`,"updated_tags":["a",7]}`))
	var rej *adapter.Rejected
	if !errors.As(err, &rej) || len(events) != 1 || len(rej.Elements) != 1 || rej.Elements[0].Index != 1 || rej.Elements[0].Field != "updated_tags[1]" {
		t.Fatalf("a bad tag: %v %v", err, events)
	}
	// A vulnerability in an untagged manifest names its digest.
	events, err = decode(s, "vulnerability_found", []byte(`{`+repo+`,"tags":["sha256:abc"],"vulnerability":{"id":"CVE-1"}}`))
	if err != nil || len(events) != 1 || events[0].Event.Subject() != "ns/app@sha256:abc" {
		t.Fatalf("untagged vulnerability: %v %v", err, events)
	}
	// A member of an unexpected type costs that fact, not the delivery.
	events, err = decode(s, "build_start", []byte(`{`+repo+`,"build_id":"b1","docker_tags":"latest","trigger_metadata":[],"is_manual":"no"}`))
	if err != nil || len(events) != 1 {
		t.Fatalf("odd build members: %v %v", err, events)
	}
	// Quay's kinds without a type of their own: the generic schema.
	for event, body := range map[string]string{
		"repo_mirror_sync_failed": `{` + repo + `,"message":"could not reach the source"}`,
		"repo_image_expiry":       `{` + repo + `,"tags":["old"],"expiring_in":"7 days","notification_uuid":"u1"}`,
		"quota_warning":           `{"namespace":"ns","threshold_percent":80}`,
	} {
		events, err := decode(s, event, []byte(body))
		if err != nil || len(events) != 1 {
			t.Fatalf("%s: %v %v", event, err, events)
		}
		e := events[0].Event
		if e.Type() != "io.quay."+event || e.DataSchema() != schemaBase+"quay.event.json" || events[0].Address.Kind != event {
			t.Errorf("%s: type %s schema %s address %+v", event, e.Type(), e.DataSchema(), events[0].Address)
		}
	}
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	events, _ = decode(s, "repo_mirror_sync_failed", []byte(`{`+repo+`,"message":"x"}`))
	if err := validator.Validate(events[0].Event.DataSchema(), events[0].Event.Data()); err != nil {
		t.Error(err)
	}
}

// TestDecodeRefusals checks that what cannot be read is a FieldError
// naming its field, and nothing else is: Quay disables a notification
// after three refusals.
func TestDecodeRefusals(t *testing.T) {
	s := newSource()
	ok := adaptertest.Sample(t, Samples, "repo-push.json")
	for _, tt := range []struct {
		name, event, body, field, says string
	}{
		{"no event", "", string(ok), "event", "repo_push, build_queued"},
		{"unknown event", "repo_pushed", string(ok), "event", `"repo_pushed"`},
		{"not JSON", "repo_push", `{"repository":`, "", "not valid JSON"},
		{"not an object", "repo_push", `["a"]`, "", "JSON object"},
		{"no repository", "repo_push", `{"updated_tags":["latest"]}`, "repository", "namespace/name"},
		{"repository not ns/name", "build_start", `{"repository":"app","build_id":"b"}`, "repository", "namespace/name"},
		{"repository not a string", "repo_push", `{"repository":{"ns":"a"}}`, "repository", "string"},
		{"updated_tags a string", "repo_push", `{"repository":"ns/app","updated_tags":"latest"}`, "updated_tags", "list"},
	} {
		_, err := decode(s, tt.event, []byte(tt.body))
		var fe *adapter.FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field || !strings.Contains(fe.Error(), tt.says) {
			t.Errorf("%s: %v, want a FieldError on %q saying %q", tt.name, err, tt.field, tt.says)
		}
	}
}

func TestRecognizes(t *testing.T) {
	for _, name := range Registry.SampleNames() {
		d, err := Registry.SampleDelivery(name)
		if err != nil {
			t.Fatal(err)
		}
		if !recognizes(d) {
			t.Errorf("%s not recognized", name)
		}
		d.Query = nil // posted to another registry's URL, without ?event=
		if !recognizes(d) {
			t.Errorf("%s not recognized by its body", name)
		}
	}
	for _, body := range []string{`{"type":"TAG_PUSH","createdAt":"2019-05-15T19:39:40Z","contents":{}}`,
		`{"push_data":{"tag":"latest"},"repository":{"repo_name":"a/b"}}`, `{"repository":"a/b"}`, `[1]`, ``} {
		if recognizes(adapter.Delivery{Body: []byte(body)}) {
			t.Errorf("%s recognized as Quay's", body)
		}
	}
}

func TestSampleRequest(t *testing.T) {
	for _, typ := range Registry.Types {
		if _, q := sampleRequest(typ.Sample); q.Get("event") != typ.Native {
			t.Errorf("%s: ?event=%s", typ.Sample, q.Get("event"))
		}
	}
	if !strings.Contains(Registry.WebhookHint, "?event=<kind>") || !strings.Contains(Registry.WebhookHint, "build_success") {
		t.Errorf("hint %q", Registry.WebhookHint)
	}
}

func text(v any) string {
	s, _ := v.(string)
	return s
}
