package distribution

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

func decode(t testing.TB, body []byte) []*adapter.Decoded {
	t.Helper()
	events, err := New(schemaBase).Decode(adapter.Delivery{Header: http.Header{"Content-Type": {EventsMediaType}}, Body: body})
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return events
}

func TestDecodeSamples(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	const (
		pushDigest = "sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf"
		blobDigest = "sha256:c3b3692957d439ac1928219a83fac91e7bf96c153725526874673ae1f2023f8d5"
		delDigest  = "sha256:d89e1bee20d9cb344674e213b581f14fbd8e70274ecf9d10c514bab78a307845"
	)
	type want struct {
		action, subject, source, repo, namespace, name, tag, digest, actor, time string
	}
	tests := []struct {
		file   string
		events []want
	}{
		{"push-manifest-and-blobs-envelope-docs.json", []want{
			{"manifest.pushed", "library/test@" + pushDigest, "https://registrycluster.local/library/test", "library/test", "library", "test", "", pushDigest, "test-actor", "2006-01-02T15:04:05Z"},
			{"blob.pushed", "library/test@" + blobDigest, "https://registrycluster.local/library/test", "library/test", "library", "test", "", blobDigest, "test-actor", "2006-01-02T15:04:05Z"},
			{"blob.pushed", "library/test@" + blobDigest, "https://registrycluster.local/library/test", "library/test", "library", "test", "", blobDigest, "test-actor", "2006-01-02T15:04:05Z"},
		}},
		// The docs' pull: nanoseconds and a -08:00 offset, a one-level
		// repository, an empty actor, an http registry.
		{"pull-manifest-docs.json", []want{
			{"manifest.pulled", "hello-world:latest", "http://192.168.100.227:5000/hello-world", "hello-world", "", "hello-world", "latest", "sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf", "", "2016-03-09T22:44:26.402973972Z"},
		}},
		{"manifest-delete.json", []want{
			{"manifest.deleted", "library/test@" + delDigest, "https://registry.example.com/library/test", "library/test", "library", "test", "", delDigest, "ci-cleanup", "2023-06-14T07:12:45.118442317Z"},
		}},
		{"tag-delete.json", []want{
			{"tag.deleted", "library/test:v1.2.0", "https://registry.example.com/library/test", "library/test", "library", "test", "v1.2.0", "", "ci-cleanup", "2023-06-14T07:12:45.121907551Z"},
		}},
		{"repository-delete.json", []want{
			{"repository.deleted", "team/old-service", "https://registry.example.com/team/old-service", "team/old-service", "team", "old-service", "", "", "admin", "2023-06-15T17:40:02.559301844Z"},
		}},
		{"blob-pull.json", []want{
			{"blob.pulled", "team/api@sha256:4abcf20661432fb2d719aaf90656f55c287f8ca915dc1c92ec14ff61e67fbaf8", "https://registry.example.com/team/api", "team/api", "team", "api", "", "sha256:4abcf20661432fb2d719aaf90656f55c287f8ca915dc1c92ec14ff61e67fbaf8", "deployer", "2023-06-14T11:03:27.904512003Z"},
		}},
		{"blob-mount.json", []want{
			{"blob.mounted", "team/worker@sha256:31f7e5b5a9e1a3e0c5d2f8b7a6c4e3d2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6", "https://registry.example.com/team/worker", "team/worker", "team", "worker", "", "sha256:31f7e5b5a9e1a3e0c5d2f8b7a6c4e3d2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6", "ci-builder", "2023-06-14T18:05:10.271839502Z"},
		}},
		{"blob-delete.json", []want{
			{"blob.deleted", "team/api@sha256:9b2a7c1e0d3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b", "https://registry.example.com/team/api", "team/api", "team", "api", "", "sha256:9b2a7c1e0d3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b", "ci-cleanup", "2023-06-16T02:00:31.000481219Z"},
		}},
	}
	ids := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := adaptertest.Sample(t, Samples, tt.file)
			events := decode(t, body)
			if len(events) != len(tt.events) {
				t.Fatalf("%d events, want %d", len(events), len(tt.events))
			}
			var env struct{ Events []json.RawMessage }
			json.Unmarshal(body, &env)
			again := decode(t, body)
			for i, w := range tt.events {
				d, e := events[i], events[i].Event
				wantTime, _ := time.Parse(time.RFC3339Nano, w.time)
				if e.Type() != Prefix+w.action || e.Subject() != w.subject || e.Source() != w.source || !e.Time().Equal(wantTime) ||
					e.Time().Location() != time.UTC || e.DataSchema() != schemaBase+"distribution."+w.action+".json" ||
					e.DataContentType() != "application/json" || e.SpecVersion() != "1.0" {
					t.Errorf("%d: type %q subject %q source %q time %v dataschema %q datacontenttype %q",
						i, e.Type(), e.Subject(), e.Source(), e.Time(), e.DataSchema(), e.DataContentType())
				}
				ext := e.Extensions()
				if ext["partitionkey"] != w.repo || ext["repository"] != w.repo || str(ext["tag"]) != w.tag || str(ext["digest"]) != w.digest {
					t.Errorf("%d: extensions %v", i, ext)
				}
				typ, _ := Registry.Type(e.Type())
				if d.Address.Source != SourceName || d.Address.Kind != typ.Kind || d.Address.Namespace != w.namespace || d.Address.Name != w.name {
					t.Errorf("%d: address %+v", i, d.Address)
				}
				var data Data
				if err := json.Unmarshal(e.Data(), &data); err != nil {
					t.Fatal(err)
				}
				if data.Registry != SourceName || data.Action != w.action || data.Repository != w.repo || data.Namespace != w.namespace ||
					data.Name != w.name || data.Tag != w.tag || data.Digest != w.digest || data.Actor != w.actor ||
					!data.OccurredAt.Equal(wantTime) || !strings.HasSuffix(string(e.Data()), `}}`) {
					t.Errorf("%d: data %+v", i, data)
				}
				if !strings.Contains(string(e.Data()), `"occurred_at":"`+w.time+`"`) {
					t.Errorf("%d: occurred_at is not %s in UTC: %s", i, w.time, e.Data())
				}
				// The payload is the element as received.
				if a, b := compact(t, env.Events[i]), compact(t, data.Payload); a != b {
					t.Errorf("%d: payload differs from the element:\n got %s\nwant %s", i, b, a)
				}
				if err := validator.Validate(e.DataSchema(), e.Data()); err != nil {
					t.Errorf("%d: %v", i, err)
				}
				if other, dup := ids[e.ID()]; dup {
					t.Errorf("%d: id %s shared with %s", i, e.ID(), other)
				}
				ids[e.ID()] = tt.file
				if again[i].Event.ID() != e.ID() {
					t.Errorf("%d: id is not deterministic: %s then %s", i, e.ID(), again[i].Event.ID())
				}
			}
		})
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func compact(t *testing.T, raw []byte) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// TestKindSpecificData checks the facts only some kinds carry.
func TestKindSpecificData(t *testing.T) {
	mount := decode(t, adaptertest.Sample(t, Samples, "blob-mount.json"))[0]
	var data Data
	json.Unmarshal(mount.Event.Data(), &data)
	if data.FromRepository != "team/api" || data.MediaType != "application/octet-stream" || data.Host != "registry.example.com" ||
		data.EventID != "2b7e9f10-4c3d-4a8e-b6f5-3d2c1b0a9e87" || !strings.HasPrefix(data.UserAgent, "docker/24.0.2") ||
		!strings.Contains(data.URL, "/blobs/") {
		t.Errorf("mount data %+v", data)
	}
}

// TestRedeliveryIsOneEvent: distribution retries a delivery until it is
// answered 2xx, and a 2.8 envelope may carry an event again beside new
// ones; the same element is the same event however it is framed.
func TestRedeliveryIsOneEvent(t *testing.T) {
	push := decode(t, adaptertest.Sample(t, Samples, "push-manifest-and-blobs-envelope-docs.json"))
	var env struct{ Events []json.RawMessage }
	json.Unmarshal(adaptertest.Sample(t, Samples, "push-manifest-and-blobs-envelope-docs.json"), &env)
	alone := decode(t, []byte(`{"events":[`+string(env.Events[0])+`]}`))
	if alone[0].Event.ID() != push[0].Event.ID() {
		t.Errorf("the manifest push alone has id %s, in the envelope %s", alone[0].Event.ID(), push[0].Event.ID())
	}
	// The same manifest pushed again later is a new occurrence.
	later := strings.Replace(string(env.Events[0]), "2006-01-02T15:04:05Z", "2006-01-02T16:04:05Z", 1)
	later = strings.Replace(later, "asdf-asdf-asdf-asdf-0", "asdf-asdf-asdf-asdf-9", 1)
	if again := decode(t, []byte(`{"events":[`+later+`]}`)); again[0].Event.ID() == push[0].Event.ID() {
		t.Error("a later push of the same manifest has the same id")
	}
	// The same instant written with another offset is the same event.
	shifted := strings.Replace(string(env.Events[0]), "2006-01-02T15:04:05Z", "2006-01-02T07:04:05-08:00", 1)
	if again := decode(t, []byte(`{"events":[`+shifted+`]}`)); again[0].Event.ID() != push[0].Event.ID() {
		t.Error("the same instant with another offset has another id")
	}
}

// TestKindFromTarget checks how an element's kind is read: media type,
// then URL, then what a delete names.
func TestKindFromTarget(t *testing.T) {
	for _, tt := range []struct{ action, mediaType, url, digest, tag, want string }{
		{"push", "application/vnd.oci.image.manifest.v1+json", "", "d", "", "manifest"},
		{"push", "application/vnd.oci.image.index.v1+json", "", "d", "", "manifest"},
		{"push", "application/vnd.docker.distribution.manifest.list.v2+json", "", "d", "", "manifest"},
		{"push", "application/octet-stream", "https://r/v2/a/b/manifests/x", "d", "", "blob"},
		{"pull", "", "https://r/v2/a/b/blobs/sha256:1", "d", "", "blob"},
		{"pull", "", "https://r/v2/a/b/manifests/latest", "d", "latest", "manifest"},
		{"mount", "", "", "d", "", "blob"},
		{"delete", "", "", "d", "", "manifest"},
		{"delete", "", "", "", "v1", "tag"},
		{"delete", "", "", "", "", "repository"},
	} {
		if got := kindOf(tt.action, tt.mediaType, tt.url, tt.digest, tt.tag); got != tt.want {
			t.Errorf("kindOf(%+v) = %s", tt, got)
		}
	}
}

// TestUnknownActionTypedByItsName: an action distribution may add later
// is published under its own name with the generic schema, not refused.
func TestUnknownActionTypedByItsName(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"events":[{"id":"x","timestamp":"2024-01-02T03:04:05Z","action":"Replicate","brand_new":{"a":1},
	  "target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:1","repository":"a/b","tag":"v1","extra":[1]}}]}`
	d := decode(t, []byte(body))[0]
	if d.Event.Type() != Prefix+"manifest.replicate" || d.Event.DataSchema() != schemaBase+"distribution.event.json" || d.Address.Kind != "manifest_replicate" {
		t.Errorf("type %s schema %s address %+v", d.Event.Type(), d.Event.DataSchema(), d.Address)
	}
	if !strings.Contains(string(d.Event.Data()), `"brand_new":{"a":1}`) || !strings.Contains(string(d.Event.Data()), `"extra":[1]`) {
		t.Errorf("unknown fields not kept: %s", d.Event.Data())
	}
	if err := validator.Validate(d.Event.DataSchema(), d.Event.Data()); err != nil {
		t.Error(err)
	}
}

func TestUninterestingDeliveries(t *testing.T) {
	for _, body := range []string{`{"events":[]}`, `{"events":null}`, `{"events":[],"other":1}`} {
		events, err := New(schemaBase).Decode(adapter.Delivery{Body: []byte(body)})
		if err != nil || len(events) != 0 {
			t.Errorf("%s: %d events, %v", body, len(events), err)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tt := range []struct{ body, field string }{
		{`[]`, ""},
		{`{}`, "events"},
		{`{"events":{}}`, "events"},
		{`{"events":[1]}`, "events[0]"},
		{`{"events":[{"timestamp":"2024-01-02T03:04:05Z","target":{"repository":"a/b"}}]}`, "events[0].action"},
		{`{"events":[{"action":"push","timestamp":"2024-01-02T03:04:05Z"}]}`, "events[0].target"},
		{`{"events":[{"action":"push","timestamp":"2024-01-02T03:04:05Z","target":{"digest":"sha256:1"}}]}`, "events[0].target.repository"},
		{`{"events":[{"action":"push","target":{"repository":"a/b"}}]}`, "events[0].timestamp"},
		{`{"events":[{"action":"push","timestamp":"yesterday","target":{"repository":"a/b"}}]}`, "events[0].timestamp"},
		{`{"events":[{"action":"push","timestamp":"2024-01-02T03:04:05Z","target":{"repository":7}}]}`, "events[0].target.repository"},
	} {
		_, err := New(schemaBase).Decode(adapter.Delivery{Body: []byte(tt.body)})
		var fe *adapter.FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("%s: %v (%#v), want a FieldError on %q", tt.body, err, err, tt.field)
		}
	}
}

// TestBadElementBesideGoodOnes: the good elements are events, the bad one
// is named in an *adapter.Rejected.
func TestBadElementBesideGoodOnes(t *testing.T) {
	body := `{"events":[
	  {"id":"1","action":"push","timestamp":"2024-01-02T03:04:05Z","target":{"repository":"a/b","tag":"v1","mediaType":"application/vnd.oci.image.manifest.v1+json"}},
	  {"id":"2","action":"push","timestamp":"2024-01-02T03:04:05Z","target":{}},
	  {"id":"3","action":"pull","timestamp":"2024-01-02T03:04:06Z","target":{"repository":"a/b","tag":"v1","url":"https://r/v2/a/b/manifests/v1"}}]}`
	events, err := New(schemaBase).Decode(adapter.Delivery{Body: []byte(body)})
	var rejected *adapter.Rejected
	if !errors.As(err, &rejected) || len(events) != 2 {
		t.Fatalf("%d events, %v", len(events), err)
	}
	if len(rejected.Elements) != 1 || rejected.Elements[0].Index != 1 || rejected.Elements[0].Field != "target.repository" {
		t.Errorf("rejected %+v", rejected.Elements)
	}
	if events[0].Event.Type() != Prefix+"manifest.pushed" || events[1].Event.Type() != Prefix+"manifest.pulled" {
		t.Errorf("types %s, %s", events[0].Event.Type(), events[1].Event.Type())
	}
	// All bad: nothing to store, the elements named.
	events, err = New(schemaBase).Decode(adapter.Delivery{Body: []byte(`{"events":[{},{"action":"push"}]}`)})
	if !errors.As(err, &rejected) || len(events) != 0 || len(rejected.Elements) != 2 {
		t.Errorf("all bad: %d events, %v", len(events), err)
	}
}

func TestSourceIsAURIWhateverTheHost(t *testing.T) {
	for _, tt := range []struct{ host, url, addr, want string }{
		{"reg.example:5000", "", "", "https://reg.example:5000/a/b%20c"},
		{"", "http://10.0.0.1:5000/v2/a/b/manifests/x", "", "http://10.0.0.1:5000/a/b%20c"},
		{"bad host", "", "hostname.local:port", "urn:hubwire:distribution:a%2Fb%20c"},
		{"", "", "registry-0:5000", "https://registry-0:5000/a/b%20c"},
	} {
		body, _ := json.Marshal(map[string]any{"events": []any{map[string]any{
			"action": "pull", "timestamp": "2024-01-02T03:04:05Z",
			"target":  map[string]any{"repository": "a/b c", "url": tt.url, "digest": "sha256:1"},
			"request": map[string]any{"host": tt.host}, "source": map[string]any{"addr": tt.addr},
		}}})
		d := decode(t, body)[0]
		if d.Event.Source() != tt.want {
			t.Errorf("%+v: source %s", tt, d.Event.Source())
		}
	}
}

func TestRecognizes(t *testing.T) {
	for name, tt := range map[string]struct {
		contentType, body string
		want              bool
	}{
		"sample":           {"application/json", string(adaptertest.Sample(t, Samples, "pull-manifest-docs.json")), true},
		"own media type":   {"application/vnd.docker.distribution.events.v1+json", `{}`, true},
		"docker hub":       {"application/json", `{"push_data":{"pushed_at":1,"pusher":"x"},"repository":{"repo_name":"a/b"}}`, false},
		"dtr":              {"application/json", `{"type":"TAG_PUSH","createdAt":"2019-05-15T19:39:40Z","contents":{}}`, false},
		"events of others": {"application/json", `{"events":[{"type":"x"}]}`, false},
		"not json":         {"text/plain", `events`, false},
	} {
		d := adapter.Delivery{Header: http.Header{"Content-Type": {tt.contentType}}, Body: []byte(tt.body)}
		if got := Registry.Recognizes(d); got != tt.want {
			t.Errorf("%s: %v", name, got)
		}
	}
}

func TestFreshen(t *testing.T) {
	now := time.Date(2026, 5, 6, 7, 8, 9, 123456789, time.UTC)
	body := freshen(adaptertest.Sample(t, Samples, "push-manifest-and-blobs-envelope-docs.json"), now)
	events := decode(t, body)
	if len(events) != 3 {
		t.Fatalf("%d events", len(events))
	}
	for _, d := range events {
		if !d.Event.Time().Equal(now) {
			t.Errorf("time %v", d.Event.Time())
		}
	}
	if string(freshen([]byte("nope"), now)) != "nope" {
		t.Error("an unreadable body changed")
	}
}

func TestBlobsDroppedByDefault(t *testing.T) {
	for _, typ := range Registry.Types {
		blob := strings.HasPrefix(typ.Type, Prefix+"blob.")
		if dropped := adapter.TypeMatches(Registry.Drop[0], typ.Type); dropped != blob {
			t.Errorf("%s: dropped %v", typ.Type, dropped)
		}
	}
}
