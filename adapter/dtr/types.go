package dtr

import (
	"sort"
	"strings"
)

// kind is one DTR event type and what hubwire makes of it.
type kind struct {
	// CEType is the CloudEvent type.
	CEType string
	// Repository is false for the one global event (SCANNER_UPDATE_COMPLETED).
	Repository bool
}

// kinds maps DTR's envelope type to its CloudEvent. The five types DTR does
// not document (pulls, promotion, mirroring) are read like the documented
// tag and manifest events and keep whatever else comes.
var kinds = map[string]kind{
	"TAG_PUSH":                 {"com.docker.dtr.tag.push", true},
	"TAG_PULL":                 {"com.docker.dtr.tag.pull", true},
	"TAG_DELETE":               {"com.docker.dtr.tag.delete", true},
	"MANIFEST_PUSH":            {"com.docker.dtr.manifest.push", true},
	"MANIFEST_PULL":            {"com.docker.dtr.manifest.pull", true},
	"MANIFEST_DELETE":          {"com.docker.dtr.manifest.delete", true},
	"SCAN_COMPLETED":           {"com.docker.dtr.scan.completed", true},
	"SCAN_FAILED":              {"com.docker.dtr.scan.failed", true},
	"PROMOTION":                {"com.docker.dtr.image.promoted", true},
	"PUSH_MIRRORING":           {"com.docker.dtr.mirror.pushed", true},
	"POLL_MIRRORING":           {"com.docker.dtr.mirror.polled", true},
	"REPO_CREATED":             {"com.docker.dtr.repo.created", true},
	"REPO_UPDATED":             {"com.docker.dtr.repo.updated", true},
	"REPO_DELETED":             {"com.docker.dtr.repo.deleted", true},
	"SCANNER_UPDATE_COMPLETED": {"com.docker.dtr.scanner.updated", false},
}

// repoEvent is the envelope type some DTR versions use for all three
// repository events, naming the one it is in contents.event.
const repoEvent = "REPO_EVENT"

const typePrefix = "com.docker.dtr."

// EventTypes lists DTR's own event type names that hubwire accepts,
// sorted, REPO_EVENT included.
func EventTypes() []string {
	names := make([]string, 0, len(kinds)+1)
	for name := range kinds {
		names = append(names, name)
	}
	names = append(names, repoEvent)
	sort.Strings(names)
	return names
}

// Types lists every CloudEvent type this package produces, sorted.
func Types() []string {
	types := make([]string, 0, len(kinds))
	for _, k := range kinds {
		types = append(types, k.CEType)
	}
	sort.Strings(types)
	return types
}

// SchemaName is the name of the JSON Schema of the data of a CloudEvent
// type this package produces ("dtr.tag.push").
func SchemaName(ceType string) string {
	return "dtr." + strings.TrimPrefix(ceType, typePrefix)
}
