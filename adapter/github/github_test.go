package github

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/adaptertest"
	"github.com/hubwire/hubwire/schemas/schematest"
)

const schemaBase = "http://hubwire.test/schemas/"

// decodeSample decodes a sample as GitHub sends it (its headers included).
func decodeSample(t testing.TB, name string) ([]*adapter.Decoded, error) {
	t.Helper()
	d, err := Registry.SampleDelivery(name)
	if err != nil {
		t.Fatal(err)
	}
	return New(schemaBase).Decode(d)
}

// deliver decodes body sent as X-GitHub-Event event, as JSON.
func deliver(event, body string) ([]*adapter.Decoded, error) {
	h := http.Header{"Content-Type": {"application/json"}}
	if event != "" {
		h.Set("X-GitHub-Event", event)
	}
	return New(schemaBase).Decode(adapter.Delivery{Header: h, Query: url.Values{}, Body: []byte(body)})
}

func TestDecodeSamples(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	octocat := time.Date(2019, 5, 9, 23, 28, 29, 0, time.UTC)
	const (
		octoDigest = "sha256:3da1996a8115d7616457760d9920b815241d0a03b34cf5f04e9a0e9d8de37498"
		index      = "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270"
		child      = "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"
	)
	tests := []struct {
		sample, ceType, event, subject, source, tag, digest, actor, packageType string
		time                                                                    time.Time
	}{
		{"package-published", "com.github.package.published", "package", "codertocat/hello-world-npm@" + octoDigest,
			"https://ghcr.io/codertocat/hello-world-npm", "", octoDigest, "Codertocat", "npm", octocat},
		{"registry-package-published", "com.github.package.published", "registry_package", "codertocat/hello-world-npm@" + octoDigest,
			"https://ghcr.io/codertocat/hello-world-npm", "", octoDigest, "github-actions[bot]", "npm", octocat},
		{"package-published-form", "com.github.package.published", "package", "acme-corp/shop/frontend:v1.4.2",
			"https://ghcr.io/acme-corp/shop/frontend", "v1.4.2", index, "release-bot", "CONTAINER", time.Date(2023, 10, 30, 14, 5, 51, 0, time.UTC)},
		{"package-published-arch-child", "com.github.package.published", "package", "acme-corp/shop/frontend@" + child,
			"https://ghcr.io/acme-corp/shop/frontend", "", child, "release-bot", "CONTAINER", time.Date(2023, 10, 30, 14, 5, 49, 0, time.UTC)},
		{"package-updated", "com.github.package.updated", "package", "acme-corp/shop/frontend:v1.4.2",
			"https://ghcr.io/acme-corp/shop/frontend", "v1.4.2", index, "release-bot", "CONTAINER", time.Date(2023, 10, 30, 14, 21, 9, 0, time.UTC)},
	}
	ids := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.sample, func(t *testing.T) {
			out, err := decodeSample(t, tt.sample)
			if err != nil || len(out) != 1 {
				t.Fatalf("Decode: %d events, %v", len(out), err)
			}
			d := out[0]
			e := d.Event
			repo, _, _ := strings.Cut(strings.Split(tt.subject, "@")[0], ":")
			et, _ := Registry.Type(tt.ceType)
			if e.Type() != tt.ceType || e.Subject() != tt.subject || !e.Time().Equal(tt.time) || e.Source() != tt.source ||
				e.DataSchema() != schemaBase+et.Schema+".json" || e.DataContentType() != "application/json" {
				t.Errorf("attributes: type %q subject %q time %v source %q dataschema %q", e.Type(), e.Subject(), e.Time(), e.Source(), e.DataSchema())
			}
			ext := e.Extensions()
			if ext["partitionkey"] != repo || ext["repository"] != repo || ext["digest"] != tt.digest ||
				(tt.tag != "" && ext["tag"] != tt.tag) || (tt.tag == "" && ext["tag"] != nil) {
				t.Errorf("extensions %v", ext)
			}
			ns, name, _ := strings.Cut(repo, "/")
			if d.Address.Source != "github" || d.Address.Kind != et.Kind || d.Address.Namespace != ns || d.Address.Name != name {
				t.Errorf("address %+v", d.Address)
			}
			var data Data
			if err := json.Unmarshal(e.Data(), &data); err != nil {
				t.Fatal(err)
			}
			if data.Registry != "github" || data.Repository != repo || data.Namespace != ns || data.Name != name || data.Tag != tt.tag ||
				data.Digest != tt.digest || data.Actor != tt.actor || data.Action != et.Action || !data.OccurredAt.Equal(tt.time) ||
				data.Event != tt.event || data.PackageType != tt.packageType {
				t.Errorf("data %+v", data.Facts)
			}
			var payload map[string]any
			if json.Unmarshal(data.Payload, &payload) != nil || payload["action"] == nil || payload[tt.event] == nil {
				t.Errorf("payload is not the delivery's JSON: %.200s", data.Payload)
			}
			if err := validator.Validate(e.DataSchema(), e.Data()); err != nil {
				t.Error(err)
			}
			// The octokit examples of package and registry_package are the
			// same push; every other sample is its own.
			occurrence := tt.sample
			if strings.HasSuffix(tt.sample, "package-published") {
				occurrence = "octokit"
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
			again, _ := decodeSample(t, tt.sample)
			if again[0].Event.ID() != e.ID() {
				t.Errorf("id is not deterministic: %s then %s", e.ID(), again[0].Event.ID())
			}
		})
	}
	if len(ids) != len(tests)-1 {
		t.Errorf("%d ids for %d occurrences", len(ids), len(tests)-1)
	}
}

func TestFormAndJSONAreOneEvent(t *testing.T) {
	form, err := decodeSample(t, "package-published-form")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := Registry.Sample("package-published-form")
	q, _ := url.ParseQuery(string(body))
	js, err := deliver("package", q.Get("payload"))
	if err != nil {
		t.Fatal(err)
	}
	if form[0].Event.ID() != js[0].Event.ID() || string(form[0].Event.Data()) != string(js[0].Event.Data()) {
		t.Error("the same delivery as a form and as JSON differ")
	}
}

func TestIgnoredDeliveries(t *testing.T) {
	tests := []struct{ name, event, body string }{
		{"ping", "ping", `{"zen":"Keep it logically awesome.","hook_id":1,"hook":{"type":"Repository"}}`},
		{"ping without header", "", `{"zen":"Design for failure.","hook_id":1}`},
		{"push", "push", `{"ref":"refs/heads/main"}`},
		{"ping, body not JSON", "ping", `zen`},
		{"npm package", "package", `{"action":"published","package":{"name":"x","package_type":"npm","ecosystem":"npm","owner":{"login":"a"},"updated_at":"2024-01-01T00:00:00Z"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := deliver(tt.event, tt.body)
			if err != nil || len(out) != 0 {
				t.Errorf("got %d events, %v; want none", len(out), err)
			}
		})
	}
}

func TestUnknownActionTypedByItsName(t *testing.T) {
	body := `{"action":"deleted","package":{"name":"app","package_type":"docker","owner":{"login":"Team"},"updated_at":"2024-03-01T10:00:00Z",
		"package_version":{"version":"sha256:abc","container_metadata":{"tag":{"name":"v1"}},"brand_new":1}}}`
	out, err := deliver("package", body)
	if err != nil || len(out) != 1 {
		t.Fatalf("%d events, %v", len(out), err)
	}
	e := out[0].Event
	if e.Type() != "com.github.package.deleted" || e.DataSchema() != schemaBase+"github.event.json" || e.Subject() != "team/app:v1" ||
		out[0].Address.Kind != "package_deleted" {
		t.Errorf("type %q schema %q subject %q address %+v", e.Type(), e.DataSchema(), e.Subject(), out[0].Address)
	}
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	if err := validator.Validate(e.DataSchema(), e.Data()); err != nil {
		t.Error(err)
	}
}

func TestBothEventNamesOneID(t *testing.T) {
	pkg := `{"name":"app","package_type":"CONTAINER","owner":{"login":"a"},"updated_at":"2024-03-01T10:00:00Z","package_version":{"version":"sha256:1"}}`
	a, err := deliver("package", `{"action":"published","package":`+pkg+`}`)
	if err != nil {
		t.Fatal(err)
	}
	b, err := deliver("registry_package", `{"action":"published","registry_package":`+pkg+`}`)
	if err != nil {
		t.Fatal(err)
	}
	c, err := deliver("package", `{"action":"updated","package":`+pkg+`}`)
	if err != nil {
		t.Fatal(err)
	}
	if a[0].Event.ID() != b[0].Event.ID() {
		t.Error("one push seen as package and as registry_package got two ids")
	}
	if a[0].Event.ID() == c[0].Event.ID() {
		t.Error("published and updated got one id")
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ name, contentType, body, field, problem string }{
		{"empty", "", ` `, "", "body is empty"},
		{"not json", "", `{"action":`, "", "not valid JSON"},
		{"no package", "", `{"action":"published"}`, "package", "is required"},
		{"package not object", "", `{"action":"published","package":[1]}`, "package", "must be an object"},
		{"no action", "", `{"package":{"name":"a","owner":{"login":"o"},"updated_at":"2024-01-01T00:00:00Z"}}`, "action", "is required"},
		{"no owner", "", `{"action":"published","package":{"name":"a","updated_at":"2024-01-01T00:00:00Z"}}`, "package.owner.login", "is required"},
		{"no name", "", `{"action":"published","package":{"owner":{"login":"o"},"updated_at":"2024-01-01T00:00:00Z"}}`, "package.name", "is required"},
		{"no time", "", `{"action":"published","package":{"name":"a","owner":{"login":"o"}}}`, "package.updated_at", "is required"},
		{"bad time", "", `{"action":"published","package":{"name":"a","owner":{"login":"o"},"updated_at":"later"}}`, "package.updated_at", "not an RFC 3339 time"},
		{"tag a number", "", `{"action":"published","package":{"name":"a","owner":{"login":"o"},"updated_at":"2024-01-01T00:00:00Z","package_version":{"container_metadata":{"tag":{"name":1}}}}}`, "package.package_version.container_metadata.tag.name", "must be a string"},
		{"form without payload", formType, `other=1`, "payload", "is required"},
		{"form unreadable", formType, `payload=%zz`, "payload", "cannot be read"},
		{"form payload not JSON", formType, `payload=%7B`, "", "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"X-Github-Event": {"package"}}
			if tt.contentType != "" {
				h.Set("Content-Type", tt.contentType)
			}
			_, err := New(schemaBase).Decode(adapter.Delivery{Header: h, Body: []byte(tt.body)})
			adaptertest.WantFieldError(t, err, tt.field, tt.problem)
		})
	}
}

func TestRecognizes(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		want   bool
	}{
		{"github", http.Header{"X-Github-Event": {"package"}, "User-Agent": {"GitHub-Hookshot/8e03811"}}, true},
		{"hookshot only", http.Header{"User-Agent": {"GitHub-Hookshot/8e03811"}}, true},
		{"gitea", http.Header{"X-Github-Event": {"package"}, "X-Gitea-Delivery": {"x"}}, false},
		{"forgejo", http.Header{"X-Github-Event": {""}, "X-Forgejo-Delivery": {"x"}}, false},
		{"plain", http.Header{"Content-Type": {"application/json"}}, false},
	}
	for _, tt := range tests {
		if got := Registry.Recognizes(adapter.Delivery{Header: tt.header}); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestGiteaRefused: a Gitea or Forgejo package delivery, which carries
// GitHub's headers (X-GitHub-Event empty) and a body much like GitHub's,
// is refused rather than taken for GitHub's, so that the receiver can
// name where it belongs.
func TestGiteaRefused(t *testing.T) {
	d, err := Registry.SampleDelivery("package-published")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"X-Gitea-Delivery", "X-Forgejo-Delivery"} {
		header := http.Header{"X-Github-Event": {""}, "Content-Type": {"application/json"}}
		header.Set(h, "4f3c2b1a-0d9e-4c8b-a7f6-e5d4c3b2a190")
		events, err := New(schemaBase).Decode(adapter.Delivery{Header: header, Body: d.Body})
		var fe *adapter.FieldError
		if len(events) != 0 || !errors.As(err, &fe) || !strings.Contains(fe.Problem, "Gitea or Forgejo") {
			t.Errorf("%s: %d events, %v", h, len(events), err)
		}
	}
}

func TestFreshen(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, name := range Registry.SampleNames() {
		d, err := Registry.SampleDelivery(name)
		if err != nil {
			t.Fatal(err)
		}
		d.Body = Registry.Freshen(d.Body, now)
		out, err := New(schemaBase).Decode(d)
		if err != nil || len(out) != 1 {
			t.Fatalf("%s: %d events, %v", name, len(out), err)
		}
		if !out[0].Event.Time().Equal(now) {
			t.Errorf("%s: time %v after freshen, want %v", name, out[0].Event.Time(), now)
		}
	}
	if got := Registry.Freshen([]byte("zen"), now); string(got) != "zen" {
		t.Errorf("a body freshen cannot read came back as %q", got)
	}
}

func TestSourceIsAURIWhateverTheName(t *testing.T) {
	out, err := deliver("package", `{"action":"published","package":{"name":"my app/é","owner":{"login":"My Org"},"updated_at":"2024-01-01T00:00:00Z",
		"package_version":{"package_url":"bad host/x:1"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out[0].Event.Source(), "https://ghcr.io/my%20org/my%20app/%C3%A9"; got != want {
		t.Errorf("source %q, want %q", got, want)
	}
}
