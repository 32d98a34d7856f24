package dtr

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter/adaptertest"

	"github.com/hubwire/hubwire/schemas/schematest"
)

const schemaBase = "http://hubwire.test/schemas/"

func TestDecodeSamples(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	const digest = "sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c"
	tests := []struct {
		file, ceType, kind, subject, repo, tag, digest, time string
	}{
		{"tag-push.json", "com.docker.dtr.tag.push", "tag_push", "foo/bar:latest", "foo/bar", "latest", digest, "2019-05-15T19:39:40.607337713Z"},
		{"tag-push-with-host.json", "com.docker.dtr.tag.push", "tag_push", "foo/bar:1.0", "foo/bar", "1.0", digest, "2020-03-01T08:00:00Z"},
		{"tag-pull.json", "com.docker.dtr.tag.pull", "tag_pull", "foo/bar:latest", "foo/bar", "latest", digest, "2019-05-15T19:41:02.113Z"},
		{"tag-delete.json", "com.docker.dtr.tag.delete", "tag_delete", "foo/bar:latest", "foo/bar", "latest", digest, "2019-05-16T08:00:00Z"},
		{"manifest-push.json", "com.docker.dtr.manifest.push", "manifest_push", "foo/bar@" + digest, "foo/bar", "", digest, "2019-05-15T19:39:40Z"},
		{"manifest-pull.json", "com.docker.dtr.manifest.pull", "manifest_pull", "foo/bar@" + digest, "foo/bar", "", digest, "2019-05-15T19:45:00Z"},
		{"manifest-delete.json", "com.docker.dtr.manifest.delete", "manifest_delete", "foo/bar@" + digest, "foo/bar", "", digest, "2019-05-17T10:00:00Z"},
		{"scan-completed.json", "com.docker.dtr.scan.completed", "scan_completed", "foo/bar:latest", "foo/bar", "latest", "", "2019-05-15T19:50:12Z"},
		{"scan-failed.json", "com.docker.dtr.scan.failed", "scan_failed", "foo/bar:latest", "foo/bar", "latest", "", "2019-05-15T19:50:30Z"},
		{"promotion.json", "com.docker.dtr.image.promoted", "promotion", "prod/bar:latest", "prod/bar", "latest", digest, "2019-05-18T12:00:00Z"},
		{"push-mirroring.json", "com.docker.dtr.mirror.pushed", "push_mirroring", "foo/bar:latest", "foo/bar", "latest", digest, "2019-05-18T12:05:00Z"},
		{"poll-mirroring.json", "com.docker.dtr.mirror.polled", "poll_mirroring", "mirror/alpine:3.19", "mirror/alpine", "3.19", digest, "2019-05-18T12:10:00Z"},
		{"repo-created.json", "com.docker.dtr.repo.created", "repo_created", "foo/bar", "foo/bar", "", "", "2019-05-14T09:00:00Z"},
		{"repo-updated.json", "com.docker.dtr.repo.updated", "repo_updated", "foo/bar", "foo/bar", "", "", "2019-05-14T09:30:00Z"},
		{"repo-deleted.json", "com.docker.dtr.repo.deleted", "repo_deleted", "foo/old", "foo/old", "", "", "2019-05-20T17:00:00Z"},
		{"repo-event-envelope.json", "com.docker.dtr.repo.created", "repo_created", "foo/baz", "foo/baz", "", "", "2019-05-14T10:00:00Z"},
		{"scanner-update-completed.json", "com.docker.dtr.scanner.updated", "scanner_update_completed", "scanner", "", "", "", "2019-05-15T03:00:05Z"},
	}
	seenTypes := map[string]bool{}
	ids := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := adaptertest.Sample(t, Samples, tt.file)
			d, err := adaptertest.DecodeOne(New(schemaBase), body)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			e := d.Event
			seenTypes[e.Type()] = true
			when, _ := time.Parse(time.RFC3339Nano, tt.time)
			source := "urn:hubwire:dtr"
			partition := "scanner"
			if tt.repo != "" {
				source += ":" + tt.repo
				partition = tt.repo
			}
			if e.Type() != tt.ceType || e.Subject() != tt.subject || !e.Time().Equal(when) || e.Source() != source ||
				e.DataSchema() != schemaBase+schemaOf(tt.ceType)+".json" || e.DataContentType() != "application/json" {
				t.Errorf("attributes: type %q subject %q time %v source %q dataschema %q",
					e.Type(), e.Subject(), e.Time(), e.Source(), e.DataSchema())
			}
			ext := e.Extensions()
			if ext["partitionkey"] != partition || str(ext["repository"]) != tt.repo || str(ext["tag"]) != tt.tag || str(ext["digest"]) != tt.digest {
				t.Errorf("extensions %v", ext)
			}
			ns, name, _ := strings.Cut(tt.repo, "/")
			if d.Address.Source != "dtr" || d.Address.Kind != tt.kind || d.Address.Namespace != ns || d.Address.Name != name {
				t.Errorf("address %+v", d.Address)
			}
			if err := validator.Validate(e.DataSchema(), e.Data()); err != nil {
				t.Error(err)
			}
			var data Data
			if err := json.Unmarshal(e.Data(), &data); err != nil {
				t.Fatal(err)
			}
			if data.Action != strings.TrimPrefix(tt.ceType, "com.docker.dtr.") || data.Repository != tt.repo || !data.OccurredAt.Equal(when) {
				t.Errorf("data facts %+v", data.Facts)
			}
			var sent, kept any
			json.Unmarshal(body, &sent)
			json.Unmarshal(data.Payload, &kept)
			if a, b := adaptertest.MustJSON(t, sent), adaptertest.MustJSON(t, kept); a != b {
				t.Errorf("payload differs from the delivery:\n got %s\nwant %s", b, a)
			}
			if other, ok := ids[e.ID()]; ok {
				t.Errorf("id %s shared with %s", e.ID(), other)
			}
			ids[e.ID()] = tt.file
		})
	}
	for _, typ := range Registry.Types {
		if !seenTypes[typ.Type] {
			t.Errorf("no sample produces %s", typ.Type)
		}
	}
}

// schemaOf names the schema of a type DTR makes; "" for one it does not.
func schemaOf(ceType string) string {
	t, _ := Registry.Type(ceType)
	return t.Schema
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func TestKindSpecificData(t *testing.T) {
	decode := func(file string) Data {
		d, err := adaptertest.DecodeOne(New(schemaBase), adaptertest.Sample(t, Samples, file))
		if err != nil {
			t.Fatal(err)
		}
		var data Data
		if err := json.Unmarshal(d.Event.Data(), &data); err != nil {
			t.Fatal(err)
		}
		return data
	}
	scan := decode("scan-completed.json").Scan
	if scan == nil || scan.Critical != 2 || scan.Major != 5 || scan.Minor != 11 || scan.Status != "completed" || *scan.StatusCode != 6 {
		t.Errorf("scan summary %+v", scan)
	}
	if e := decode("scan-failed.json").Error; e != "scanner: layer sha256:9f2c could not be read" {
		t.Errorf("scan error %q", e)
	}
	sc := decode("scanner-update-completed.json").Scanner
	if sc == nil || sc.Version != "3" || sc.DBVersion != "245" || sc.Success == nil || !*sc.Success {
		t.Errorf("scanner %+v", sc)
	}
	push := decode("tag-push-with-host.json")
	if push.ImageName != "dtr.example.com/foo/bar:1.0" || push.OS != "linux" || push.Architecture != "amd64" || push.Actor != "admin" {
		t.Errorf("tag push %+v", push)
	}
	if loc := decode("tag-push.json").Location; loc != "/repositories/foo/bar/tags/latest" {
		t.Errorf("location %q", loc)
	}
}

func TestRepositoryFromImageName(t *testing.T) {
	body := `{"type":"TAG_PULL","createdAt":"2024-01-01T00:00:00Z","contents":{"imageName":"dtr.example.com:443/team/api:v2"}}`
	d, err := adaptertest.DecodeOne(New(schemaBase), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if d.Event.Subject() != "team/api:v2" {
		t.Errorf("subject %q", d.Event.Subject())
	}
}

func TestSameDeliveryTwiceSameID(t *testing.T) {
	// Key order and spacing do not change the occurrence.
	a := `{"type":"TAG_PUSH","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","tag":"1"}}`
	b := `{"contents": {"tag": "1", "repository": "b", "namespace": "a"}, "createdAt": "2024-01-01T00:00:00Z", "type": "TAG_PUSH"}`
	c := `{"type":"TAG_PUSH","createdAt":"2024-01-01T00:00:01Z","contents":{"namespace":"a","repository":"b","tag":"1"}}`
	id := func(body string) string {
		d, err := adaptertest.DecodeOne(New(schemaBase), []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return d.Event.ID()
	}
	if id(a) != id(b) {
		t.Error("the same delivery got two ids")
	}
	if id(a) == id(c) {
		t.Error("two pushes a second apart got one id")
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ name, body, field, problem string }{
		{"empty", ` `, "", "body is empty"},
		{"not json", `{"type":"TAG_PUSH",`, "", "not valid JSON"},
		{"string", `"TAG_PUSH"`, "", "must be a JSON object"},
		{"no type", `{"createdAt":"2024-01-01T00:00:00Z","contents":{}}`, "type", "is required; known types: MANIFEST_DELETE"},
		{"unknown type", `{"type":"CHART_PUSH","createdAt":"2024-01-01T00:00:00Z","contents":{}}`, "type", `unknown DTR event type "CHART_PUSH"; known types: MANIFEST_DELETE, MANIFEST_PULL, MANIFEST_PUSH, POLL_MIRRORING, PROMOTION, PUSH_MIRRORING, REPO_CREATED, REPO_DELETED, REPO_EVENT, REPO_UPDATED, SCANNER_UPDATE_COMPLETED, SCAN_COMPLETED, SCAN_FAILED, TAG_DELETE, TAG_PULL, TAG_PUSH`},
		{"no contents", `{"type":"TAG_PUSH","createdAt":"2024-01-01T00:00:00Z"}`, "contents", "is required"},
		{"contents not object", `{"type":"TAG_PUSH","createdAt":"2024-01-01T00:00:00Z","contents":[1]}`, "contents", "must be an object"},
		{"no createdAt", `{"type":"TAG_PUSH","contents":{"namespace":"a","repository":"b"}}`, "createdAt", "is required"},
		{"bad createdAt", `{"type":"TAG_PUSH","createdAt":"yesterday","contents":{"namespace":"a","repository":"b"}}`, "createdAt", "not an RFC 3339 time"},
		{"no namespace", `{"type":"TAG_PUSH","createdAt":"2024-01-01T00:00:00Z","contents":{"repository":"b"}}`, "contents.namespace", "is required for TAG_PUSH"},
		{"no repository", `{"type":"SCAN_FAILED","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a"}}`, "contents.repository", "is required for SCAN_FAILED"},
		{"tag a number", `{"type":"TAG_PUSH","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","tag":1}}`, "contents.tag", "must be a string"},
		{"critical a word", `{"type":"SCAN_COMPLETED","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","scanSummary":{"critical":"many"}}}`, "contents.scanSummary.critical", "must be a number"},
		{"repo event without event", `{"type":"REPO_EVENT","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b"}}`, "contents.event", "REPO_CREATED, REPO_UPDATED, REPO_DELETED"},
		{"repo event with a tag event", `{"type":"REPO_EVENT","createdAt":"2024-01-01T00:00:00Z","contents":{"event":"TAG_PUSH","namespace":"a","repository":"b"}}`, "contents.event", `"TAG_PUSH" is not a repository event`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := adaptertest.DecodeOne(New(schemaBase), []byte(tt.body))
			adaptertest.WantFieldError(t, err, tt.field, tt.problem)
		})
	}
}

func TestParseImageName(t *testing.T) {
	tests := []struct {
		in   string
		want imageRef
	}{
		{"foo/bar:latest", imageRef{"foo", "bar", "latest", ""}},
		{"example.com/foo/bar:latest", imageRef{"foo", "bar", "latest", ""}},
		{"localhost:5000/foo/bar", imageRef{"foo", "bar", "", ""}},
		{"foo/bar@sha256:abc", imageRef{"foo", "bar", "", "sha256:abc"}},
		{"foo/bar:1@sha256:abc", imageRef{"foo", "bar", "1", "sha256:abc"}},
		{"team/group/app:2", imageRef{"team", "group/app", "2", ""}},
		{"bar", imageRef{}},
		{"", imageRef{}},
	}
	for _, tt := range tests {
		if got := parseImageName(tt.in); got != tt.want {
			t.Errorf("parseImageName(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestSourceIsAURIWhateverTheName(t *testing.T) {
	body := `{"type":"TAG_PUSH","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"my team","repository":"api é","tag":"1"}}`
	d, err := adaptertest.DecodeOne(New(schemaBase), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.Event.Source(), "urn:hubwire:dtr:my%20team/api%20%C3%A9"; got != want {
		t.Errorf("source %q, want %q", got, want)
	}
	if got := d.Event.Extensions()["repository"]; got != "my team/api é" {
		t.Errorf("repository extension %q: the facts keep the name as sent", got)
	}
}

// BenchmarkDecode is a TAG_PULL, most of a busy DTR's deliveries.
func BenchmarkDecode(b *testing.B) {
	body, err := Samples.ReadFile("samples/tag-pull.json")
	if err != nil {
		b.Fatal(err)
	}
	src := New("http://127.0.0.1:8080/schemas/")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := adaptertest.DecodeOne(src, body); err != nil {
			b.Fatal(err)
		}
	}
}
