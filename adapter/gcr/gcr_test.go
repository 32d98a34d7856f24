package gcr

import (
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/adaptertest"
	"github.com/hubwire/hubwire/schemas/schematest"
)

const schemaBase = "http://hubwire.test/schemas/"

const (
	repo    = "my-project/my-repo/hello-world"
	pushed  = "sha256:6ec128e26cd5d0bd3b3ed7e3ab5c5a0ba5e3d5cf9b8f4b5e1e0f58c8d7c3d9a41"
	deleted = "sha256:0b2f5b3f81f5c1b1f7f0c6b2f1d0c5a1e9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4"
)

func TestDecodeSamples(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file, typ, kind, subject, tag, digest, messageID string
		time                                             time.Time
	}{
		{"insert.json", "com.google.artifactregistry.image.pushed", "insert", repo + "@" + pushed, "", pushed, "2070443601311540", time.Date(2021, 2, 26, 19, 13, 55, 749e6, time.UTC)},
		{"insert-tag.json", "com.google.artifactregistry.tag.pushed", "insert_tag", repo + ":1.1", "1.1", pushed, "2070443601311541", time.Date(2021, 2, 26, 19, 13, 55, 912e6, time.UTC)},
		{"delete-tag.json", "com.google.artifactregistry.tag.deleted", "delete_tag", repo + ":1.0", "1.0", "", "2070443601311602", time.Date(2021, 2, 26, 19, 20, 2, 118e6, time.UTC)},
		{"delete.json", "com.google.artifactregistry.image.deleted", "delete", repo + "@" + deleted, "", deleted, "2070443601311603", time.Date(2021, 2, 26, 19, 20, 2, 301e6, time.UTC)},
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
			action := strings.TrimPrefix(tt.typ, typePrefix)
			if e.Type() != tt.typ || e.Source() != "https://us-east1-docker.pkg.dev/my-project/my-repo/hello-world" || e.Subject() != tt.subject ||
				!e.Time().Equal(tt.time) || e.DataSchema() != schemaBase+"gcr."+action+".json" {
				t.Errorf("attributes: type %q source %q subject %q time %v dataschema %q", e.Type(), e.Source(), e.Subject(), e.Time(), e.DataSchema())
			}
			ext := e.Extensions()
			if ext["partitionkey"] != repo || ext["repository"] != repo || (tt.tag == "") != (ext["tag"] == nil) || (tt.digest == "") != (ext["digest"] == nil) {
				t.Errorf("extensions %v", ext)
			}
			if d.Address.Source != "gcr" || d.Address.Kind != tt.kind || d.Address.Namespace != "my-project" || d.Address.Name != "my-repo/hello-world" {
				t.Errorf("address %+v", d.Address)
			}
			var data Data
			if err := json.Unmarshal(e.Data(), &data); err != nil {
				t.Fatal(err)
			}
			if data.Registry != "gcr" || data.Action != action || data.Repository != repo || data.Tag != tt.tag || data.Digest != tt.digest ||
				data.Host != "us-east1-docker.pkg.dev" || data.MessageID != tt.messageID || data.Subscription != "projects/my-project/subscriptions/hubwire-gcr" {
				t.Errorf("data %+v", data)
			}
			// The payload is the message's data, decoded.
			var env struct{ Message struct{ Data string } }
			json.Unmarshal(body, &env)
			raw, _ := base64.StdEncoding.DecodeString(env.Message.Data)
			var sent, kept map[string]any
			json.Unmarshal(raw, &sent)
			json.Unmarshal(data.Payload, &kept)
			if a, b := adaptertest.MustJSON(t, sent), adaptertest.MustJSON(t, kept); a != b || !strings.Contains(a, "action") {
				t.Errorf("payload is not the message's data:\n got %s\nwant %s", b, a)
			}
			if err := validator.Validate(e.DataSchema(), e.Data()); err != nil {
				t.Error(err)
			}
			if other, ok := ids[e.ID()]; ok {
				t.Errorf("id %s shared with %s", e.ID(), other)
			}
			ids[e.ID()] = tt.file
		})
	}
}

// push wraps data as a Pub/Sub push delivery of message id.
func push(id, data string) []byte {
	return []byte(`{"message":{"data":"` + base64.StdEncoding.EncodeToString([]byte(data)) + `","messageId":"` + id +
		`","publishTime":"2025-01-02T03:04:05.123Z","attributes":{"k":"v"}},"subscription":"projects/p/subscriptions/s"}`)
}

// TestIDFromMessageID: a redelivery of a message is the same event; the
// tag-less and the tagged INSERT of one push are two, typed apart.
func TestIDFromMessageID(t *testing.T) {
	a, err := adaptertest.DecodeOne(New(schemaBase), adaptertest.Sample(t, Samples, "insert-tag.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(adaptertest.Sample(t, Samples, "insert-tag.json"), &m)
	compact, _ := json.Marshal(m)
	b, _ := adaptertest.DecodeOne(New("http://elsewhere/"), compact)
	c, _ := adaptertest.DecodeOne(New(schemaBase), adaptertest.Sample(t, Samples, "insert.json"))
	if a.Event.ID() != b.Event.ID() || a.Event.ID() == c.Event.ID() || a.Event.Type() == c.Event.Type() {
		t.Errorf("ids %s, %s (redelivered), %s (the tag-less insert); types %s, %s", a.Event.ID(), b.Event.ID(), c.Event.ID(), a.Event.Type(), c.Event.Type())
	}
	fresh, err := adaptertest.DecodeOne(New(schemaBase), freshen(adaptertest.Sample(t, Samples, "insert-tag.json"), time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Event.ID() == a.Event.ID() || time.Since(fresh.Event.Time()) > time.Minute {
		t.Errorf("freshened sample: id %s (was %s), time %v", fresh.Event.ID(), a.Event.ID(), fresh.Event.Time())
	}
}

func TestReferences(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ data, typ, source, subject, tag, digest string }{
		// Container Registry: <project>/<image>.
		{`{"action":"INSERT","tag":"gcr.io/my-project/app:v2"}`, "com.google.artifactregistry.tag.pushed", "https://gcr.io/my-project/app", "my-project/app:v2", "v2", ""},
		{`{"action":"INSERT","digest":"eu.gcr.io/p/team/app@sha256:1"}`, "com.google.artifactregistry.image.pushed", "https://eu.gcr.io/p/team/app", "p/team/app@sha256:1", "", "sha256:1"},
		{`{"action":"INSERT","digest":"localhost:5000/p/app:v1@sha256:2"}`, "com.google.artifactregistry.tag.pushed", "https://localhost:5000/p/app", "p/app:v1", "v1", "sha256:2"},
		{`{"action":"UPDATE","digest":"gcr.io/p/app@sha256:3"}`, "com.google.artifactregistry.image.update", "https://gcr.io/p/app", "p/app@sha256:3", "", "sha256:3"},
	} {
		d, err := adaptertest.DecodeOne(New(schemaBase), push("7", tt.data))
		if err != nil {
			t.Fatalf("%s: %v", tt.data, err)
		}
		e := d.Event
		if e.Type() != tt.typ || e.Source() != tt.source || e.Subject() != tt.subject || e.Extensions()["tag"] != nilIfEmpty(tt.tag) || e.Extensions()["digest"] != nilIfEmpty(tt.digest) {
			t.Errorf("%s: type %s source %s subject %s extensions %v", tt.data, e.Type(), e.Source(), e.Subject(), e.Extensions())
		}
		if err := validator.Validate(e.DataSchema(), e.Data()); err != nil {
			t.Errorf("%s: %v", tt.data, err)
		}
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name          string
		body          string
		field, reason string
	}{
		{"not json", `{"message":`, "", "not valid JSON"},
		{"unwrapped", `{"action":"INSERT","tag":"gcr.io/p/a:1"}`, "message", "payload unwrapping"},
		{"no id", `{"message":{"data":"e30=","publishTime":"2025-01-02T03:04:05Z"}}`, "message.messageId", "is required"},
		{"no time", `{"message":{"data":"e30=","messageId":"1"}}`, "message.publishTime", "is required"},
		{"bad time", `{"message":{"data":"e30=","messageId":"1","publishTime":"now"}}`, "message.publishTime", "RFC 3339"},
		{"no data", `{"message":{"messageId":"1","publishTime":"2025-01-02T03:04:05Z"}}`, "message.data", "is required"},
		{"not base64", `{"message":{"data":"%%%","messageId":"1","publishTime":"2025-01-02T03:04:05Z"}}`, "message.data", "not base64"},
		{"data not json", string(push("1", "Hello Cloud Pub/Sub!")), "message.data", "not valid JSON"},
		{"data an array", string(push("1", "[]")), "message.data", "JSON object"},
		{"no action", string(push("1", `{"tag":"gcr.io/p/a:1"}`)), "message.data.action", "is required"},
		{"action not a string", string(push("1", `{"action":1}`)), "message.data.action", "must be a string"},
		{"no image", string(push("1", `{"action":"INSERT"}`)), "message.data.digest", "is required"},
		{"bad tag", string(push("1", `{"action":"INSERT","tag":"hello-world"}`)), "message.data.tag", "not an image reference"},
		{"bad digest", string(push("1", `{"action":"DELETE","digest":"gcr.io/p/"}`)), "message.data.digest", "not an image reference"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(schemaBase).Decode(adapter.Delivery{Body: []byte(tt.body)})
			adaptertest.WantFieldError(t, err, tt.field, tt.reason)
		})
	}
}

func TestRecognizes(t *testing.T) {
	entries, _ := fs.ReadDir(Samples, "samples")
	for _, e := range entries {
		if !recognizes(adapter.Delivery{Body: adaptertest.Sample(t, Samples, e.Name())}) {
			t.Errorf("%s not recognized", e.Name())
		}
	}
	for _, body := range []string{
		``, `{}`, `[]`,
		`{"message":{"data":"e30="}}`,
		`{"action":"push","target":{"repository":"a"}}`,
		`{"source":"aws.ecr","detail-type":"ECR Image Action","detail":{}}`,
	} {
		if recognizes(adapter.Delivery{Header: http.Header{}, Body: []byte(body)}) {
			t.Errorf("%s recognized as a Pub/Sub push", body)
		}
	}
}
