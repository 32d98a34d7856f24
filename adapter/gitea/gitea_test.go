package gitea

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

var received = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func at(base string) *Source {
	s := New(base)
	s.now = func() time.Time { return received }
	return s
}

func deliver(t testing.TB, src *Source, name string) (*adapter.Decoded, adapter.Delivery) {
	t.Helper()
	d, err := Registry.SampleDelivery(name)
	if err != nil {
		t.Fatal(err)
	}
	events, err := src.Decode(d)
	if err != nil || len(events) != 1 {
		t.Fatalf("%s: %d events, %v", name, len(events), err)
	}
	return events[0], d
}

func TestDecodeSamples(t *testing.T) {
	validator, err := schematest.NewValidator(schemaBase)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		sample, typ, source, subject, repo, ns, name, tag, digest, actor, pkgType, host string
		time                                                                            time.Time
	}{
		{"container-created", "io.gitea.image.created", "https://git.example.com/acme/webapp", "acme/webapp:1.4.2", "acme/webapp", "acme", "webapp", "1.4.2", "", "ci-bot", "container", "git.example.com",
			time.Date(2023, 9, 14, 8, 21, 37, 0, time.UTC)},
		{"container-created-untagged", "io.gitea.image.created", "https://git.example.com/acme/webapp",
			"acme/webapp@sha256:6f1d2e3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4", "acme/webapp", "acme", "webapp", "",
			"sha256:6f1d2e3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4", "ci-bot", "container", "git.example.com", time.Date(2023, 9, 14, 8, 21, 36, 0, time.UTC)},
		// A deletion is timed when hubwire receives it.
		{"container-deleted", "io.gitea.image.deleted", "https://git.example.com/acme/webapp", "acme/webapp:1.3.0", "acme/webapp", "acme", "webapp", "1.3.0", "", "alice", "container", "git.example.com", received},
		// Other packages keep their owner's case, and their page is the source.
		{"package-created", "io.gitea.package.created", "https://git.example.com/Acme/-/packages/npm/@acme/ui-kit", "Acme/@acme/ui-kit:2.8.0", "Acme/@acme/ui-kit", "Acme", "@acme/ui-kit", "2.8.0", "", "ci-bot", "npm", "git.example.com",
			time.Date(2023, 6, 20, 16, 45, 2, 0, time.UTC)},
		{"package-deleted", "io.gitea.package.deleted", "https://git.example.com/Acme/-/packages/generic/firmware", "Acme/firmware:0.9.1", "Acme/firmware", "Acme", "firmware", "0.9.1", "", "alice", "generic", "git.example.com", received},
		{"forgejo-container-created", "io.gitea.image.created", "https://codeberg.org/sam/tools/linter", "sam/tools/linter:v0.7.0", "sam/tools/linter", "sam", "tools/linter", "v0.7.0", "", "sam", "container", "codeberg.org",
			time.Date(2023, 12, 1, 18, 30, 5, 0, time.UTC)},
	}
	ids := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.sample, func(t *testing.T) {
			d, sent := deliver(t, at(schemaBase), tt.sample)
			e := d.Event
			action := strings.TrimPrefix(tt.typ, typePrefix)
			if e.Type() != tt.typ || e.Source() != tt.source || e.Subject() != tt.subject || !e.Time().Equal(tt.time) || e.DataSchema() != schemaBase+"gitea."+action+".json" {
				t.Errorf("attributes: type %q source %q subject %q time %v dataschema %q", e.Type(), e.Source(), e.Subject(), e.Time(), e.DataSchema())
			}
			ext := e.Extensions()
			if ext["partitionkey"] != tt.repo || ext["repository"] != tt.repo || (tt.tag != "") != (ext["tag"] != nil) || (tt.digest != "") != (ext["digest"] != nil) {
				t.Errorf("extensions %v", ext)
			}
			if a := d.Address; a.Source != "gitea" || a.Kind != strings.ReplaceAll(action, ".", "_") || a.Namespace != tt.ns || a.Name != tt.name {
				t.Errorf("address %+v", a)
			}
			var data Data
			if err := json.Unmarshal(e.Data(), &data); err != nil {
				t.Fatal(err)
			}
			if data.Registry != "gitea" || data.Action != action || data.Repository != tt.repo || data.Tag != tt.tag || data.Digest != tt.digest ||
				data.Actor != tt.actor || data.PackageType != tt.pkgType || data.Host != tt.host || data.Version == "" || data.HTMLURL == "" {
				t.Errorf("data %+v", data)
			}
			var a, b map[string]any
			json.Unmarshal(sent.Body, &a)
			json.Unmarshal(data.Payload, &b)
			if x, y := adaptertest.MustJSON(t, a), adaptertest.MustJSON(t, b); x != y {
				t.Errorf("payload differs from the delivery")
			}
			if err := validator.Validate(e.DataSchema(), e.Data()); err != nil {
				t.Error(err)
			}
			if other, ok := ids[e.ID()]; ok {
				t.Errorf("id %s shared with %s", e.ID(), other)
			}
			ids[e.ID()] = tt.sample
			again, _ := deliver(t, New("http://elsewhere/"), tt.sample)
			if again.Event.ID() != e.ID() {
				t.Errorf("id is not deterministic: %s then %s", e.ID(), again.Event.ID())
			}
		})
	}
}

// TestFormAndHeaders: the form-encoded body is read like JSON; Forgejo's
// own header alone names the event; other events of the webhook and a
// missing event header are told apart.
func TestFormAndHeaders(t *testing.T) {
	d, _ := Registry.SampleDelivery("container-created")
	want, _ := deliver(t, at(schemaBase), "container-created")
	form := d
	form.Header = d.Header.Clone()
	form.Header.Set("Content-Type", formType)
	form.Body = []byte(url.Values{"payload": {string(d.Body)}}.Encode())
	got, err := at(schemaBase).Decode(form)
	if err != nil || len(got) != 1 || got[0].Event.ID() != want.Event.ID() {
		t.Errorf("form: %v", err)
	}
	forgejo := http.Header{"X-Forgejo-Event-Type": {"package"}, "X-Forgejo-Delivery": {"x"}}
	if got, err := at(schemaBase).Decode(adapter.Delivery{Header: forgejo, Body: d.Body}); err != nil || len(got) != 1 {
		t.Errorf("Forgejo's headers: %v", err)
	}
	push := http.Header{"X-Gitea-Event": {"push"}, "X-Gitea-Event-Type": {"push"}, "X-Gitea-Delivery": {"x"}}
	if got, err := at(schemaBase).Decode(adapter.Delivery{Header: push, Body: []byte(`{"ref":"refs/heads/main"}`)}); err != nil || len(got) != 0 {
		t.Errorf("push event: %d events, %v", len(got), err)
	}
	// GitHub's own package delivery names no Gitea event.
	gh := http.Header{"X-Github-Event": {"package"}, "X-Github-Delivery": {"x"}}
	_, err = at(schemaBase).Decode(adapter.Delivery{Header: gh, Body: d.Body})
	var fe *adapter.FieldError
	if !errors.As(err, &fe) || fe.Field != "X-Gitea-Event-Type" {
		t.Errorf("GitHub's headers: %v", err)
	}
}

// TestSameVersionOnce: one version's delivery seen by two webhooks (a
// repository's and an organization's: two delivery ids) is one event; a
// deletion is another; another version is another.
func TestSameVersionOnce(t *testing.T) {
	a, d := deliver(t, at(schemaBase), "container-created")
	d.Header = d.Header.Clone()
	d.Header.Set("X-Gitea-Delivery", "another-delivery")
	b, _ := at(schemaBase).Decode(d)
	deleted := strings.Replace(string(d.Body), `"action": "created"`, `"action": "deleted"`, 1)
	c, _ := at(schemaBase).Decode(adapter.Delivery{Header: d.Header, Body: []byte(deleted)})
	if b[0].Event.ID() != a.Event.ID() || c[0].Event.ID() == a.Event.ID() || c[0].Event.Type() != "io.gitea.image.deleted" {
		t.Errorf("ids %s %s %s", a.Event.ID(), b[0].Event.ID(), c[0].Event.ID())
	}
	fresh, _ := at(schemaBase).Decode(adapter.Delivery{Header: d.Header, Body: freshen(d.Body, time.Now())})
	if fresh[0].Event.ID() == a.Event.ID() || time.Since(fresh[0].Event.Time()) > time.Minute {
		t.Errorf("freshened: %s, %v", fresh[0].Event.ID(), fresh[0].Event.Time())
	}
}

func TestDecodeErrors(t *testing.T) {
	h := http.Header{"X-Gitea-Event-Type": {"package"}}
	tests := []struct{ name, body, field, problem string }{
		{"not json", `{"action":`, "", "not valid JSON"},
		{"no action", `{"package":{}}`, "action", "is required"},
		{"no package", `{"action":"created"}`, "package", "is required"},
		{"no owner", `{"action":"created","package":{"name":"a","type":"container"}}`, "package.owner.login", "is required"},
		{"no name", `{"action":"created","package":{"owner":{"login":"o"},"type":"container"}}`, "package.name", "is required"},
		{"no type", `{"action":"created","package":{"owner":{"login":"o"},"name":"a"}}`, "package.type", "is required"},
		{"bad time", `{"action":"created","package":{"owner":{"login":"o"},"name":"a","type":"npm","created_at":"soon"}}`, "package.created_at", "not an RFC 3339 time"},
		{"version not a string", `{"action":"created","package":{"owner":{"login":"o"},"name":"a","type":"npm","version":1}}`, "package.version", "must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(schemaBase).Decode(adapter.Delivery{Header: h, Body: []byte(tt.body)})
			adaptertest.WantFieldError(t, err, tt.field, tt.problem)
		})
	}
}

func TestRecognizes(t *testing.T) {
	for _, name := range Registry.SampleNames() {
		d, _ := Registry.SampleDelivery(name)
		if !recognizes(d) {
			t.Errorf("%s not recognized", name)
		}
	}
	for _, h := range []http.Header{{}, {"X-Github-Event": {"package"}, "User-Agent": {"GitHub-Hookshot/1"}}, {"X-Github-Event": {""}}} {
		if recognizes(adapter.Delivery{Header: h, Body: []byte(`{"action":"created","package":{}}`)}) {
			t.Errorf("%v recognized as Gitea's", h)
		}
	}
}
