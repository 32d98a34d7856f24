package gitea

import (
	"embed"
	"encoding/json"
	"net/url"
	"time"
)

// Samples holds realistic deliveries, one file each, for tests and for
// trying a setup end to end, in the shape of Gitea's PackagePayload: a
// tagged image and an untagged platform manifest pushed, an image version
// deleted, an npm package published and a generic package deleted, and an
// image pushed to Forgejo (Codeberg's headers).
//
//go:embed samples/*.json
var Samples embed.FS

// freshen sets the package version's created_at to now, in the JSON body
// or in the form's payload field; the rest stays as it is.
func freshen(body []byte, now time.Time) []byte {
	if form, err := url.ParseQuery(string(body)); err == nil && form.Has("payload") {
		form.Set("payload", string(freshenJSON([]byte(form.Get("payload")), now)))
		return []byte(form.Encode())
	}
	return freshenJSON(body, now)
}

func freshenJSON(body []byte, now time.Time) []byte {
	var d map[string]json.RawMessage
	if json.Unmarshal(body, &d) != nil || d == nil {
		return body
	}
	var p map[string]json.RawMessage
	if json.Unmarshal(d["package"], &p) != nil || p == nil {
		return body
	}
	p["created_at"], _ = json.Marshal(now.UTC().Format(time.RFC3339))
	d["package"], _ = json.Marshal(p)
	out, err := json.Marshal(d)
	if err != nil {
		return body
	}
	return out
}
