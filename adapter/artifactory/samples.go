package artifactory

import (
	"embed"
	"time"
)

// Samples holds realistic deliveries, one file each, for tests and for
// trying a setup end to end: the docs' manifest-list push in its envelope
// (JFrog Cloud), a nested image on a self-hosted install (no jpd_origin),
// a delete, the docs' placeholder delete (what the Test button sends is
// of that kind), and a promotion of an OCI image.
//
//go:embed samples/*.json
var Samples embed.FS

// freshen returns the body as it is: an Artifactory delivery holds no
// time (its events are timed when hubwire receives them), and nothing
// else in it may change without making it another occurrence. A sample
// sent twice is therefore one occurrence.
func freshen(body []byte, _ time.Time) []byte {
	return body
}
