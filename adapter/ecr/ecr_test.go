package ecr

import (
	"encoding/json"
	"errors"
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

const digest = "sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234"

func TestDecodeSamples(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file, typ, kind, source, subject, repo, tag, digest, host, result string
		time                                                              time.Time
	}{
		{"push.json", "com.amazonaws.ecr.image.pushed", "push", "https://123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name",
			"my-repository-name:latest", "my-repository-name", "latest", digest, "123456789012.dkr.ecr.us-west-2.amazonaws.com", "SUCCESS", time.Date(2019, 11, 16, 1, 54, 34, 0, time.UTC)},
		{"delete.json", "com.amazonaws.ecr.image.deleted", "delete", "https://123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name",
			"my-repository-name:latest", "my-repository-name", "latest", digest, "123456789012.dkr.ecr.us-west-2.amazonaws.com", "SUCCESS", time.Date(2019, 11, 16, 2, 1, 5, 0, time.UTC)},
		{"scan.json", "com.amazonaws.ecr.image.scanned", "scan", "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/my-repository-name",
			"my-repository-name@" + digest, "my-repository-name", "", digest, "123456789012.dkr.ecr.us-east-1.amazonaws.com", "COMPLETE", time.Date(2019, 10, 29, 2, 36, 48, 0, time.UTC)},
		{"scan-resource-change.json", "com.amazonaws.ecr.scan_configuration.changed", "scan_resource_change", "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
			"scan_resource_change", "", "", "", "123456789012.dkr.ecr.us-east-1.amazonaws.com", "", time.Date(2021, 10, 14, 20, 53, 46, 0, time.UTC)},
		{"pull-through-cache.json", "com.amazonaws.ecr.pull_through_cache.synced", "pull_through_cache", "https://123456789012.dkr.ecr.us-west-2.amazonaws.com/docker-hub/alpine",
			"docker-hub/alpine:3.17.2", "docker-hub/alpine", "3.17.2", "sha256:4aa08ef415aecc80814cb42fa41b658480779d80c77ab15be6d1e4ff2e08f5a6", "123456789012.dkr.ecr.us-west-2.amazonaws.com", "SUCCESS", time.Date(2023, 2, 28, 2, 36, 48, 0, time.UTC)},
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
			if e.Type() != tt.typ || e.Source() != tt.source || e.Subject() != tt.subject || !e.Time().Equal(tt.time) ||
				e.DataSchema() != schemaBase+"ecr."+action+".json" || e.DataContentType() != "application/json" {
				t.Errorf("attributes: type %q source %q subject %q time %v dataschema %q", e.Type(), e.Source(), e.Subject(), e.Time(), e.DataSchema())
			}
			ext := e.Extensions()
			wantPK := tt.repo
			if wantPK == "" {
				wantPK = tt.kind
			}
			if ext["partitionkey"] != wantPK || (tt.repo != "" && ext["repository"] != tt.repo) || (tt.tag == "") != (ext["tag"] == nil) || (tt.digest == "") != (ext["digest"] == nil) {
				t.Errorf("extensions %v", ext)
			}
			ns, name, nested := strings.Cut(tt.repo, "/")
			if !nested {
				ns, name = "", tt.repo
			}
			if d.Address.Source != "ecr" || d.Address.Kind != tt.kind || d.Address.Namespace != ns || d.Address.Name != name {
				t.Errorf("address %+v", d.Address)
			}
			var data Data
			if err := json.Unmarshal(e.Data(), &data); err != nil {
				t.Fatal(err)
			}
			if data.Registry != "ecr" || data.Action != action || data.Repository != tt.repo || data.Tag != tt.tag || data.Digest != tt.digest ||
				data.Host != tt.host || data.Result != tt.result || data.Account != "123456789012" || !data.OccurredAt.Equal(tt.time) {
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
			again, _ := adaptertest.DecodeOne(New("http://elsewhere/"), body)
			if again.Event.ID() != e.ID() {
				t.Errorf("id is not deterministic: %s then %s", e.ID(), again.Event.ID())
			}
		})
	}
}

func TestScanDetails(t *testing.T) {
	d, err := adaptertest.DecodeOne(New(schemaBase), adaptertest.Sample(t, Samples, "scan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var data Data
	json.Unmarshal(d.Event.Data(), &data)
	if data.SeverityCounts["CRITICAL"] != 10 || data.SeverityCounts["MEDIUM"] != 9 || len(data.SeverityCounts) != 2 {
		t.Errorf("severity counts %v", data.SeverityCounts)
	}
	d, err = adaptertest.DecodeOne(New(schemaBase), adaptertest.Sample(t, Samples, "scan-resource-change.json"))
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(d.Event.Data(), &data)
	if strings.Join(data.Repositories, ",") != "repository-1,repository-2" {
		t.Errorf("repositories %v", data.Repositories)
	}
}

// edit returns the sample name with f applied to it as a map.
func edit(t *testing.T, name string, f func(m, detail map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(adaptertest.Sample(t, Samples, name), &m); err != nil {
		t.Fatal(err)
	}
	det, _ := m["detail"].(map[string]any)
	f(m, det)
	b, _ := json.Marshal(m)
	return b
}

// TestIDFromEventBridge: EventBridge's id is the event's: a retry
// (however spaced) is the same event, another id another event.
func TestIDFromEventBridge(t *testing.T) {
	a, err := adaptertest.DecodeOne(New(schemaBase), adaptertest.Sample(t, Samples, "push.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := adaptertest.DecodeOne(New(schemaBase), edit(t, "push.json", func(map[string]any, map[string]any) {}))
	c, _ := adaptertest.DecodeOne(New(schemaBase), edit(t, "push.json", func(m, _ map[string]any) { m["id"] = "another" }))
	if a.Event.ID() != b.Event.ID() || a.Event.ID() == c.Event.ID() {
		t.Errorf("ids %s, %s (compacted), %s (another id)", a.Event.ID(), b.Event.ID(), c.Event.ID())
	}
	fresh, err := adaptertest.DecodeOne(New(schemaBase), freshen(adaptertest.Sample(t, Samples, "push.json"), time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Event.ID() == a.Event.ID() || time.Since(fresh.Event.Time()) > time.Minute {
		t.Errorf("freshened sample: id %s (was %s), time %v", fresh.Event.ID(), a.Event.ID(), fresh.Event.Time())
	}
}

// TestFailuresTypedApart: an action that did not succeed is not published
// as the one it failed to be; a kind hubwire does not know keeps its name.
func TestFailuresTypedApart(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		body []byte
		typ  string
	}{
		{"failed push", edit(t, "push.json", func(_, d map[string]any) { d["result"] = "FAILURE" }), "com.amazonaws.ecr.image.push_failed"},
		{"failed scan", edit(t, "scan.json", func(_, d map[string]any) { d["scan-status"] = "FAILED" }), "com.amazonaws.ecr.image.scan_failed"},
		{"failed sync", edit(t, "pull-through-cache.json", func(_, d map[string]any) { d["sync-status"] = "FAILED" }), "com.amazonaws.ecr.pull_through_cache.sync_failed"},
		{"other action", edit(t, "push.json", func(_, d map[string]any) { d["action-type"] = "REPLICATE" }), "com.amazonaws.ecr.image.replicate"},
		{"other detail-type", edit(t, "push.json", func(m, _ map[string]any) { m["detail-type"] = "ECR Replication Action" }), "com.amazonaws.ecr.replication_action"},
		{"blank detail-type", edit(t, "push.json", func(m, _ map[string]any) { m["detail-type"] = "ECR  " }), "com.amazonaws.ecr.event"},
	} {
		d, err := adaptertest.DecodeOne(New(schemaBase), tt.body)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if d.Event.Type() != tt.typ || d.Event.DataSchema() != schemaBase+"ecr.event.json" {
			t.Errorf("%s: type %s, dataschema %s", tt.name, d.Event.Type(), d.Event.DataSchema())
		}
		if err := validator.Validate(d.Event.DataSchema(), d.Event.Data()); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name          string
		body          []byte
		field, reason string
	}{
		{"not json", []byte(`{"id":`), "", "not valid JSON"},
		{"array", []byte(`[]`), "", "must be a JSON object"},
		{"no source", edit(t, "push.json", func(m, _ map[string]any) { delete(m, "source") }), "source", "is required"},
		{"another service", edit(t, "push.json", func(m, _ map[string]any) { m["source"] = "aws.s3" }), "source", "not aws.ecr"},
		{"no detail-type", edit(t, "push.json", func(m, _ map[string]any) { delete(m, "detail-type") }), "detail-type", "is required"},
		{"no id", edit(t, "push.json", func(m, _ map[string]any) { delete(m, "id") }), "id", "is required"},
		{"no time", edit(t, "push.json", func(m, _ map[string]any) { delete(m, "time") }), "time", "is required"},
		{"bad time", edit(t, "push.json", func(m, _ map[string]any) { m["time"] = "yesterday" }), "time", "not an RFC 3339 time"},
		{"no detail", edit(t, "push.json", func(m, _ map[string]any) { delete(m, "detail") }), "detail", "is required"},
		{"detail not an object", edit(t, "push.json", func(m, _ map[string]any) { m["detail"] = "x" }), "detail", "must be an object"},
		{"no action-type", edit(t, "push.json", func(_, d map[string]any) { delete(d, "action-type") }), "detail.action-type", "is required"},
		{"no repository", edit(t, "push.json", func(_, d map[string]any) { delete(d, "repository-name") }), "detail.repository-name", "is required"},
		{"tag not a string", edit(t, "push.json", func(_, d map[string]any) { d["image-tag"] = 1 }), "detail.image-tag", "must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(schemaBase).Decode(adapter.Delivery{Body: tt.body})
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
		`{"source":"aws.s3","detail-type":"Object Created","detail":{}}`,
		`{"source":"aws.ecr","detail":{}}`,
		`{"action":"push","target":{"repository":"a"}}`,
		`{"specversion":"1.0","type":"harbor.artifact.pushed","source":"/projects/1/webhook/policies/1","data":{}}`,
	} {
		if recognizes(adapter.Delivery{Header: http.Header{}, Body: []byte(body)}) {
			t.Errorf("%s recognized as ECR's", body)
		}
	}
}

// TestTransformedCloudEvent: the CloudEvent Argo CD Image Updater's
// documentation has users make of an image push with an input transformer
// is read as the push it stands for, with the same id as the EventBridge
// event it was made from.
func TestTransformedCloudEvent(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := adaptertest.DecodeOne(New(schemaBase), adaptertest.Sample(t, Samples, "push.json"))
	if err != nil {
		t.Fatal(err)
	}
	body := `{"specversion":"1.0","id":"13cde686-328b-6117-af20-0e5566167482","type":"com.amazon.ecr.image.push",
		"source":"urn:aws:ecr:us-west-2:123456789012:repository/my-repository-name","subject":"my-repository-name:latest",
		"time":"2019-11-16T01:54:34Z","datacontenttype":"application/json",
		"data":{"repositoryName":"my-repository-name","imageDigest":"` + digest + `","imageTag":"latest","registryId":"123456789012"}}`
	d, err := adaptertest.DecodeOne(New(schemaBase), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	e := d.Event
	if e.ID() != raw.Event.ID() || e.Type() != raw.Event.Type() || e.Source() != raw.Event.Source() || e.Subject() != raw.Event.Subject() || !e.Time().Equal(raw.Event.Time()) {
		t.Errorf("transformed: %s %s %s %s %v; raw: %s %s %s %s", e.ID(), e.Type(), e.Source(), e.Subject(), e.Time(), raw.Event.ID(), raw.Event.Type(), raw.Event.Source(), raw.Event.Subject())
	}
	if err := validator.Validate(e.DataSchema(), e.Data()); err != nil {
		t.Error(err)
	}
	if !recognizes(adapter.Delivery{Body: []byte(body)}) {
		t.Error("not recognized")
	}
	for _, tt := range []struct{ body, field string }{
		{`{"specversion":"1.0","id":"1","type":"container.image.push","source":"x","time":"2025-01-02T03:04:05Z"}`, "type"},
		{`{"specversion":"1.0","id":"1","type":"com.amazon.ecr.image.push","source":"x","time":"2025-01-02T03:04:05Z","data":{}}`, "data.repositoryName"},
		{`{"specversion":"1.0","id":"1","type":"com.amazon.ecr.image.push","source":"urn:aws:ecr:r:a:repository/app","time":"2025-01-02T03:04:05Z","data":{"imageTag":1}}`, "data.imageTag"},
	} {
		_, err := New(schemaBase).Decode(adapter.Delivery{Body: []byte(tt.body)})
		var fe *adapter.FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("%s: %v, want a FieldError on %s", tt.body, err, tt.field)
		}
	}
}
