package dockerhub

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
	legacyTime := time.Date(2014, 12, 3, 0, 22, 41, 0, time.UTC)
	tests := []struct {
		file, subject, tag, actor, mediaType, callback string
		time                                           time.Time
		images                                         int
	}{
		{"legacy-2016-no-tag.json", "svendowideit/testhook", "", "trustedbuilder", "", "https://example.invalid/u/svendowideit/testhook/hook/2141b5bi5i5b02bec211i4eeih0242eg11000a/", legacyTime, 2},
		{"legacy-with-tag.json", "svendowideit/testhook:latest", "latest", "trustedbuilder", "", "https://example.invalid/u/svendowideit/testhook/hook/2141b5bi5i5b02bec211i4eeih0242eg11000a/", legacyTime, 3},
		{"legacy-string-comment-count.json", "svendowideit/testhook:latest", "latest", "trustedbuilder", "", "https://example.invalid/u/svendowideit/testhook/hook/2141b5bi5i5b02bec211i4eeih0242eg11000a/", legacyTime, 3},
		{"current.json", "svendowideit/testhook:latest", "latest", "trustedbuilder", "", "https://example.invalid/u/svendowideit/testhook/hook/2141b5bi5i5b02bec211i4eeih0242eg11000a/", legacyTime, 0},
		{"real-2021.json", "fireflyiii/core:develop", "develop", "jc5x", "", "https://example.invalid/u/fireflyiii/core/hook/2bda0e2f204fj42egeb225d5ca2fa0eb1/", time.Date(2021, 9, 17, 9, 46, 10, 0, time.UTC), 0},
		{"real-helm-chart.json", "fireflyiii/charts:0.4.2", "0.4.2", "chartbot", "application/vnd.cncf.helm.config.v1+json", "https://example.invalid/u/fireflyiii/charts/hook/1a2b3c4d5e6f/", time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC), 0},
		{"real-multiarch-image.json", "fireflyiii/charts:0.4.2", "0.4.2", "chartbot", "application/vnd.docker.container.image.v1+json", "https://example.invalid/u/fireflyiii/charts/hook/1a2b3c4d5e6f/", time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC), 0},
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
			repo, _, _ := strings.Cut(tt.subject, ":")
			if e.Type() != TypePush || e.Subject() != tt.subject || !e.Time().Equal(tt.time) ||
				e.Source() != "https://hub.docker.com/r/"+repo || e.DataSchema() != schemaBase+"dockerhub.push.json" ||
				e.DataContentType() != "application/json" || e.SpecVersion() != "1.0" {
				t.Errorf("attributes: type %q subject %q time %v source %q dataschema %q datacontenttype %q",
					e.Type(), e.Subject(), e.Time(), e.Source(), e.DataSchema(), e.DataContentType())
			}
			ext := e.Extensions()
			if ext["partitionkey"] != repo || ext["repository"] != repo || (tt.tag != "" && ext["tag"] != tt.tag) || (tt.tag == "" && ext["tag"] != nil) {
				t.Errorf("extensions %v", ext)
			}
			if d.CallbackURL != tt.callback {
				t.Errorf("callback %q, want %q", d.CallbackURL, tt.callback)
			}
			if ns, name, _ := strings.Cut(repo, "/"); d.Address.Source != "dockerhub" || d.Address.Kind != "push" || d.Address.Namespace != ns || d.Address.Name != name {
				t.Errorf("address %+v", d.Address)
			}
			if strings.Contains(string(e.Data()), "callback_url") || strings.Contains(string(e.Data()), "/hook/") {
				t.Errorf("data leaks the callback: %s", e.Data())
			}
			var data Data
			if err := json.Unmarshal(e.Data(), &data); err != nil {
				t.Fatal(err)
			}
			if data.Repository != repo || data.Tag != tt.tag || data.Actor != tt.actor || data.MediaType != tt.mediaType ||
				len(data.Images) != tt.images || !data.OccurredAt.Equal(tt.time) || data.Action != "push" || data.Registry != "dockerhub" {
				t.Errorf("data %+v", data)
			}
			// The payload is the delivery as received, less callback_url.
			var sent, kept map[string]any
			json.Unmarshal(body, &sent)
			json.Unmarshal(data.Payload, &kept)
			delete(sent, "callback_url")
			if a, b := adaptertest.MustJSON(t, sent), adaptertest.MustJSON(t, kept); a != b {
				t.Errorf("payload differs from the delivery:\n got %s\nwant %s", b, a)
			}
			if err := validator.Validate(e.DataSchema(), e.Data()); err != nil {
				t.Error(err)
			}
			// The three docs' versions of the 2014 push (same repository,
			// tag, time and pusher) are one occurrence; all else differ.
			occurrence := tt.file
			if tt.time.Equal(legacyTime) && tt.tag == "latest" {
				occurrence = "2014 push of latest"
			}
			if other, ok := ids[e.ID()]; ok && other != occurrence {
				t.Errorf("id %s shared with %s", e.ID(), other)
			}
			for id, occ := range ids {
				if occ == occurrence && id != e.ID() {
					t.Errorf("same occurrence got ids %s and %s", id, e.ID())
				}
			}
			ids[e.ID()] = occurrence
			again, _ := adaptertest.DecodeOne(New("http://elsewhere/"), body)
			if again.Event.ID() != e.ID() {
				t.Errorf("id is not deterministic: %s then %s", e.ID(), again.Event.ID())
			}
		})
	}
}

func TestLegacyFloatTimesKeptAsSent(t *testing.T) {
	d, err := adaptertest.DecodeOne(New(schemaBase), adaptertest.Sample(t, Samples, "legacy-with-tag.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(d.Event.Data()), `"pushed_at":1.417566161e+09`) {
		t.Errorf("payload did not keep pushed_at as sent: %s", d.Event.Data())
	}
}

func TestUnknownFieldsKept(t *testing.T) {
	body := `{"push_data":{"pushed_at":1700000000,"pusher":"x","tag":"v1","new_thing":{"a":1}},
	          "repository":{"repo_name":"acme/app","stars_v2":[1,2]},"brand_new":true}`
	d, err := adaptertest.DecodeOne(New(schemaBase), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"new_thing":{"a":1}`, `"stars_v2":[1,2]`, `"brand_new":true`} {
		if !strings.Contains(string(d.Event.Data()), want) {
			t.Errorf("data lost %s: %s", want, d.Event.Data())
		}
	}
}

func TestNamespaceAndNameWithoutRepoName(t *testing.T) {
	d, err := adaptertest.DecodeOne(New(schemaBase), []byte(`{"push_data":{"pushed_at":1700000000,"tag":"1"},"repository":{"namespace":"acme","name":"api"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if d.Event.Subject() != "acme/api:1" {
		t.Errorf("subject %q", d.Event.Subject())
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ name, body, field, problem string }{
		{"empty", ``, "", "body is empty"},
		{"not json", `{"push_data":`, "", "not valid JSON"},
		{"array", `[1,2]`, "", "must be a JSON object"},
		{"null", `null`, "", "must be a JSON object"},
		{"no repository", `{"push_data":{"pushed_at":1}}`, "repository", "is required"},
		{"no repo name", `{"push_data":{"pushed_at":1},"repository":{"namespace":"a"}}`, "repository.repo_name", "is required"},
		{"bad repo name", `{"push_data":{"pushed_at":1},"repository":{"repo_name":"/x"}}`, "repository.repo_name", "not namespace/name"},
		{"no push_data", `{"repository":{"repo_name":"a/b"}}`, "push_data", "is required"},
		{"no pushed_at", `{"push_data":{"tag":"x"},"repository":{"repo_name":"a/b"}}`, "push_data.pushed_at", "is required"},
		{"pushed_at text", `{"push_data":{"pushed_at":"soon"},"repository":{"repo_name":"a/b"}}`, "push_data.pushed_at", "must be a number"},
		{"pushed_at negative", `{"push_data":{"pushed_at":-5},"repository":{"repo_name":"a/b"}}`, "push_data.pushed_at", "not a time"},
		{"pushed_at far future", `{"push_data":{"pushed_at":1e300},"repository":{"repo_name":"a/b"}}`, "push_data.pushed_at", "not a time"},
		{"tag not a string", `{"push_data":{"pushed_at":1,"tag":5},"repository":{"repo_name":"a/b"}}`, "push_data.tag", "must be a string"},
		{"images not an array", `{"push_data":{"pushed_at":1,"images":"x"},"repository":{"repo_name":"a/b"}}`, "push_data.images", "must be an array"},
		{"repository not an object", `{"push_data":{"pushed_at":1},"repository":"a/b"}`, "repository", "must be an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := adaptertest.DecodeOne(New(schemaBase), []byte(tt.body))
			adaptertest.WantFieldError(t, err, tt.field, tt.problem)
		})
	}
}

func TestCommentCountStringAccepted(t *testing.T) {
	d, err := adaptertest.DecodeOne(New(schemaBase), adaptertest.Sample(t, Samples, "legacy-string-comment-count.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(d.Event.Data()), `"comment_count":"0"`) {
		t.Errorf("comment_count not kept as sent: %s", d.Event.Data())
	}
}
