package artifactory

import (
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

var received = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// at returns a decoder whose clock says received.
func at(base string) *Source {
	s := New(base)
	s.now = func() time.Time { return received }
	return s
}

func TestDecodeSamples(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file, typ, kind, source, subject, repo, ns, name, tag, digest, imageType, subscription string
		platforms                                                                              int
	}{
		{"docker-pushed.json", "com.jfrog.artifactory.docker.pushed", "docker_pushed", "https://acme.jfrog.io/docker-remote-cache/library/ubuntu",
			"library/ubuntu:latest", "library/ubuntu", "library", "ubuntu", "latest", "sha256:35c4a2c15539c6c1e4e5fa4e554dac323ad0107d8eb5c582d6ff386b383b7dce", "docker", "hubwire-docker", 5},
		// Self-hosted: no jpd_origin; image_name "api" drops platform/backend.
		{"docker-pushed-nested-self-hosted.json", "com.jfrog.artifactory.docker.pushed", "docker_pushed", "urn:hubwire:artifactory:docker-local/platform/backend/api",
			"platform/backend/api:1.4.2", "platform/backend/api", "platform", "backend/api", "1.4.2", "sha256:9b2a4a5ed3cfd9ab4b5f4a8c1c9e1d3b4c4a0f5e6d7c8b9a0f1e2d3c4b5a6978", "docker", "ci-images", 0},
		{"docker-deleted.json", "com.jfrog.artifactory.docker.deleted", "docker_deleted", "https://artifactory.example.com/docker-local/platform/backend/api",
			"platform/backend/api:1.4.1", "platform/backend/api", "platform", "backend/api", "1.4.1", "sha256:4c1e2f0b7d6a5c3e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e", "docker", "ci-images", 0},
		// The docs' placeholders: a path that names no image, a checksum
		// that is no digest; image_name names the image.
		{"docker-deleted-docs.json", "com.jfrog.artifactory.docker.deleted", "docker_deleted", "https://artifactory.example.com/sample_repo/sample_arch",
			"sample_arch:sample_image", "sample_arch", "", "sample_arch", "sample_image", "", "", "test", 1},
		{"docker-promoted.json", "com.jfrog.artifactory.docker.promoted", "docker_promoted", "https://artifactory.example.com/docker-staging/charts/webapp",
			"charts/webapp:0.9.0", "charts/webapp", "charts", "webapp", "0.9.0", "sha256:e3b8f5a1c2d4e6f80a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a7b", "oci", "promotions", 0},
	}
	ids := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := adaptertest.Sample(t, Samples, tt.file)
			d, err := adaptertest.DecodeOne(at(schemaBase), body)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			e := d.Event
			action := strings.TrimPrefix(tt.typ, typePrefix)
			if e.Type() != tt.typ || e.Source() != tt.source || e.Subject() != tt.subject || !e.Time().Equal(received) ||
				e.DataSchema() != schemaBase+"artifactory."+action+".json" || e.DataContentType() != "application/json" {
				t.Errorf("attributes: type %q source %q subject %q time %v dataschema %q", e.Type(), e.Source(), e.Subject(), e.Time(), e.DataSchema())
			}
			ext := e.Extensions()
			if ext["partitionkey"] != tt.repo || ext["repository"] != tt.repo || ext["tag"] != tt.tag || (tt.digest != "") != (ext["digest"] != nil) ||
				ext[ExtSubscription] != tt.subscription || ext[ExtSource] == nil {
				t.Errorf("extensions %v", ext)
			}
			if d.Address.Source != "artifactory" || d.Address.Kind != tt.kind || d.Address.Namespace != tt.ns || d.Address.Name != tt.name {
				t.Errorf("address %+v", d.Address)
			}
			var data Data
			if err := json.Unmarshal(e.Data(), &data); err != nil {
				t.Fatal(err)
			}
			if data.Registry != "artifactory" || data.Action != action || data.Repository != tt.repo || data.Namespace != tt.ns || data.Name != tt.name ||
				data.Tag != tt.tag || data.Digest != tt.digest || data.Domain != "docker" || data.ImageType != tt.imageType ||
				len(data.Platforms) != tt.platforms || data.Size == nil || !data.OccurredAt.Equal(received) {
				t.Errorf("data %+v", data)
			}
			adaptertest.SamePayload(t, body, data.Payload)
			if err := validator.Validate(e.DataSchema(), e.Data()); err != nil {
				t.Error(err)
			}
			if other, ok := ids[e.ID()]; ok {
				t.Errorf("id %s shared with %s", e.ID(), other)
			}
			ids[e.ID()] = tt.file
			// Another receipt time, another subscription: the same occurrence.
			later := New("http://elsewhere/")
			var m map[string]any
			json.Unmarshal(body, &m)
			m["subscription_key"] = "a-second-webhook"
			again, _ := adaptertest.DecodeOne(later, []byte(adaptertest.MustJSON(t, m)))
			if again.Event.ID() != e.ID() {
				t.Errorf("id is not the occurrence's: %s then %s", e.ID(), again.Event.ID())
			}
		})
	}
}

// TestAnotherManifestAnotherEvent: the same tag pushed with other content
// (another checksum), or deleted after its push, is another event.
func TestAnotherManifestAnotherEvent(t *testing.T) {
	body := adaptertest.Sample(t, Samples, "docker-pushed.json")
	a, _ := adaptertest.DecodeOne(at(schemaBase), body)
	other := strings.Replace(string(body), "35c4a2c1", "00000000", 1)
	b, _ := adaptertest.DecodeOne(at(schemaBase), []byte(other))
	deleted := strings.Replace(string(body), `"event_type": "pushed"`, `"event_type": "deleted"`, 1)
	c, _ := adaptertest.DecodeOne(at(schemaBase), []byte(deleted))
	if a.Event.ID() == b.Event.ID() || a.Event.ID() == c.Event.ID() || c.Event.Type() != typePrefix+"docker.deleted" {
		t.Errorf("ids %s %s %s, type %s", a.Event.ID(), b.Event.ID(), c.Event.ID(), c.Event.Type())
	}
}

// TestOtherDomainsKept: an event of another domain, or a docker event
// hubwire does not list, is stored under its own name with the generic
// schema, never refused.
func TestOtherDomainsKept(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ body, typ, subject, source, kind string }{
		{`{"domain":"artifact","event_type":"deployed","data":{"repo_key":"generic-local","path":"dir/file.txt","name":"file.txt","sha256":"x","size":3},"subscription_key":"k","jpd_origin":"https://acme.jfrog.io","source":"jfrog/u"}`,
			"com.jfrog.artifactory.artifact.deployed", "generic-local/dir/file.txt", "https://acme.jfrog.io/generic-local", "artifact_deployed"},
		{`{"domain":"build","event_type":"uploaded","data":{"build_name":"b","build_number":"1"}}`,
			"com.jfrog.artifactory.build.uploaded", "", "urn:hubwire:artifactory", "build_uploaded"},
		{`{"domain":"docker","event_type":"Tag Moved","data":{"repo_key":"d","path":"a/b/1/manifest.json","tag":"1"}}`,
			"com.jfrog.artifactory.docker.tag_moved", "a/b:1", "urn:hubwire:artifactory:d/a/b", "docker_tag_moved"},
	} {
		d, err := adaptertest.DecodeOne(at(schemaBase), []byte(tt.body))
		if err != nil {
			t.Fatalf("%s: %v", tt.typ, err)
		}
		e := d.Event
		if e.Type() != tt.typ || e.Subject() != tt.subject || e.Source() != tt.source || d.Address.Kind != tt.kind || e.DataSchema() != schemaBase+"artifactory.event.json" {
			t.Errorf("type %q subject %q source %q kind %q dataschema %q", e.Type(), e.Subject(), e.Source(), d.Address.Kind, e.DataSchema())
		}
		if err := validator.Validate(e.DataSchema(), e.Data()); err != nil {
			t.Error(err)
		}
	}
}

// TestLenientWhereItCostsOnlyAFact: a member an event can do without,
// sent in an unexpected shape, costs that fact, not the delivery.
func TestLenientWhereItCostsOnlyAFact(t *testing.T) {
	d, err := adaptertest.DecodeOne(at(schemaBase), []byte(`{"domain":"docker","event_type":"pushed","subscription_key":{"k":1},"source":7,
		"data":{"repo_key":"r","path":"a/b/7/manifest.json","tag":7,"platforms":{"architecture":"amd64"},"size":"12"}}`))
	if err != nil {
		t.Fatal(err)
	}
	var data Data
	json.Unmarshal(d.Event.Data(), &data)
	if d.Event.Subject() != "a/b:7" || data.Platforms != nil || data.Size != nil || d.Event.Extensions()[ExtSubscription] != nil {
		t.Errorf("subject %q data %+v extensions %v", d.Event.Subject(), data, d.Event.Extensions())
	}
}

// TestDataAlone: the docker data without its envelope, as JFrog's docs
// show it, is read as the docker event it describes.
func TestDataAlone(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{ "repo_key":"docker-remote-cache", "event_type":"pushed", "path":"library/ubuntu/latest/list.manifest.json", "name":"list.manifest.json", "sha256":"35c4a2c15539c6c1e4e5fa4e554dac323ad0107d8eb5c582d6ff386b383b7dce", "size":1206, "image_name":"library/ubuntu", "tag":"latest", "platforms":[ { "architecture":"amd64", "os":"linux" } ] }`)
	d, err := adaptertest.DecodeOne(at(schemaBase), body)
	if err != nil {
		t.Fatal(err)
	}
	e := d.Event
	if e.Type() != typePrefix+"docker.pushed" || e.Subject() != "library/ubuntu:latest" || e.Source() != "urn:hubwire:artifactory:docker-remote-cache/library/ubuntu" {
		t.Errorf("type %q subject %q source %q", e.Type(), e.Subject(), e.Source())
	}
	if err := validator.Validate(e.DataSchema(), e.Data()); err != nil {
		t.Error(err)
	}
	if !recognizes(adapter.Delivery{Header: http.Header{}, Body: body}) {
		t.Error("the data alone is not recognized")
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ name, body, field, problem string }{
		{"not json", `{"domain":`, "", "not valid JSON"},
		{"array", `[]`, "", "must be a JSON object"},
		{"no domain", `{"event_type":"pushed","data":{}}`, "domain", "is required"},
		{"domain not a string", `{"domain":1}`, "domain", "must be a string"},
		{"no event_type", `{"domain":"docker","data":{}}`, "event_type", "is required"},
		{"no data", `{"domain":"docker","event_type":"pushed"}`, "data", "is required"},
		{"no image", `{"domain":"docker","event_type":"pushed","data":{"path":"x/manifest.json"}}`, "data.path", "is required"},
		{"tag not a string", `{"domain":"docker","event_type":"pushed","data":{"path":"a/1/manifest.json","tag":[]}}`, "data.tag", ""},
		{"path not a string", `{"domain":"docker","event_type":"pushed","data":{"path":{}}}`, "data.path", "must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(schemaBase).Decode(adapter.Delivery{Body: []byte(tt.body)})
			adaptertest.WantFieldError(t, err, tt.field, tt.problem)
		})
	}
}

func TestRecognizes(t *testing.T) {
	entries, _ := fs.ReadDir(Samples, "samples")
	for _, e := range entries {
		if !recognizes(adapter.Delivery{Header: http.Header{}, Body: adaptertest.Sample(t, Samples, e.Name())}) {
			t.Errorf("%s not recognized", e.Name())
		}
	}
	h := http.Header{}
	h.Set("X-JFrog-Event-Auth", "x")
	if !recognizes(adapter.Delivery{Header: h, Body: []byte(`{}`)}) {
		t.Error("X-JFrog-Event-Auth not recognized")
	}
	for _, body := range []string{``, `{}`, `[]`, `{"domain":"docker"}`, `{"action":"push","target":{"repository":"a"}}`,
		`{"events":[]}`, `{"type":"PUSH_ARTIFACT","event_data":{}}`} {
		if recognizes(adapter.Delivery{Header: http.Header{}, Body: []byte(body)}) {
			t.Errorf("%s recognized as Artifactory's", body)
		}
	}
}
