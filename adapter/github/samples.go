package github

import (
	"embed"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter"
)

// Samples holds realistic deliveries, one file each, for tests and for
// trying a setup end to end. A form-encoded sample holds the form as sent.
//
//go:embed samples/*.json
var Samples embed.FS

// sampleRequest gives each sample the X-GitHub-Event header GitHub sends it
// with (the body does not name the event), and a form sample its
// Content-Type.
func sampleRequest(sample string) (http.Header, url.Values) {
	h := http.Header{}
	h.Set("X-GitHub-Event", eventPackage)
	if strings.HasPrefix(sample, "registry-package") {
		h.Set("X-GitHub-Event", eventRegistryPackage)
	}
	if strings.HasSuffix(sample, "-form") {
		h.Set("Content-Type", formType)
	}
	h.Set("User-Agent", "GitHub-Hookshot/hubwire-sample")
	return h, nil
}

// recognizes tells a GitHub delivery by its headers. Gitea and Forgejo send
// X-GitHub-Event too (empty for packages) and X-Gitea-Delivery beside it.
func recognizes(d adapter.Delivery) bool {
	if fromGitea(d.Header) {
		return false
	}
	return d.Header.Get("X-GitHub-Event") != "" || strings.HasPrefix(d.Header.Get("User-Agent"), "GitHub-Hookshot/")
}

// freshen sets the package's and its version's times to now, in the JSON
// body or in the form's payload field; the rest stays as it is.
func freshen(body []byte, now time.Time) []byte {
	if form, err := url.ParseQuery(string(body)); err == nil && form.Has("payload") {
		p := freshenJSON([]byte(form.Get("payload")), now)
		form.Set("payload", string(p))
		return []byte(form.Encode())
	}
	return freshenJSON(body, now)
}

func freshenJSON(body []byte, now time.Time) []byte {
	var d map[string]json.RawMessage
	if json.Unmarshal(body, &d) != nil || d == nil {
		return body
	}
	stamp, _ := json.Marshal(now.UTC().Format(time.RFC3339Nano))
	for _, key := range []string{eventPackage, eventRegistryPackage} {
		var p map[string]json.RawMessage
		if json.Unmarshal(d[key], &p) != nil || p == nil {
			continue
		}
		p["updated_at"] = stamp
		var v map[string]json.RawMessage
		if json.Unmarshal(p["package_version"], &v) == nil && v != nil {
			v["created_at"], v["updated_at"] = stamp, stamp
			p["package_version"], _ = json.Marshal(v)
		}
		d[key], _ = json.Marshal(p)
	}
	out, err := json.Marshal(d)
	if err != nil {
		return body
	}
	return out
}

// fromGitea reports whether headers are those of Gitea, Forgejo or Gogs,
// which send GitHub's besides their own.
func fromGitea(h http.Header) bool {
	return h.Get("X-Gitea-Delivery") != "" || h.Get("X-Forgejo-Delivery") != "" || h.Get("X-Gogs-Delivery") != ""
}
