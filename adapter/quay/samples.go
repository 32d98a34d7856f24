package quay

import (
	"embed"
	"encoding/json"
	"time"

	"github.com/hubwire/hubwire/adapter"
)

// Samples holds realistic deliveries, one file each, for tests and for
// trying a setup end to end: Quay's documented payloads, the legacy push
// with updated_tags as an object, the push of two tags that Quay's "Test
// Notification" button sends, and a found vulnerability.
//
//go:embed samples/*.json
var Samples embed.FS

// freshen returns the body as it is: a Quay delivery holds no time (its
// events are timed when hubwire receives them), and nothing else in it may
// change without making it another occurrence of something else. A sample
// sent twice is therefore one occurrence, as Quay's own test notification
// sent twice is.
func freshen(body []byte, _ time.Time) []byte {
	return body
}

// recognizes reports whether a delivery looks like Quay's: a ?event= that
// names a Quay kind, or a body with the members every Quay repository
// notification has (repository, docker_url, homepage).
func recognizes(d adapter.Delivery) bool {
	if _, err := kindOf(d.Query.Get("event")); err == nil {
		return true
	}
	var b struct {
		Repository *string `json:"repository"`
		DockerURL  *string `json:"docker_url"`
		Homepage   *string `json:"homepage"`
	}
	if json.Unmarshal(d.Body, &b) != nil {
		return false
	}
	return b.Repository != nil && b.DockerURL != nil && b.Homepage != nil
}
