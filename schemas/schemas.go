// Package schemas holds the JSON Schemas (draft 2020-12) of the data of
// every event type hubwire publishes and of the acks consumers send back
// (ack.json), the AsyncAPI 3.0 document of the subjects and topics that
// carry them (asyncapi.json), and the OpenAPI 3.1 document of the
// delivery history's HTTP API, GET /api/events (openapi.json). They are
// embedded in the binary and served by the receiver under /schemas/, which
// is where each event's dataschema attribute points. References between them are relative
// ("common.json#/$defs/facts", "./dtr.tag.push.json"), so they resolve
// wherever they are served.
package schemas

import (
	"embed"
	"io/fs"
	"strings"
)

// asyncapi.json is made from the list of registries (adapter/all), not
// written by hand: TestAsyncAPIIsGenerated fails when it is stale.
//go:generate go run ./asyncapigen/gen -o asyncapi.json

//go:embed *.json
var files embed.FS

// AsyncAPIFile is the AsyncAPI document among the files: a description of
// the channels, not a JSON Schema.
const AsyncAPIFile = "asyncapi.json"

// OpenAPIFile is the OpenAPI 3.1 document of GET /api/events among the
// files (written by hand): a description of the HTTP API, not a JSON
// Schema.
const OpenAPIFile = "openapi.json"

// FS returns the schema files, named <name>.json, and the AsyncAPI document.
func FS() fs.FS { return files }

// Names lists the names of every JSON Schema file, without .json; the
// AsyncAPI and OpenAPI documents are not ones.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.Name() == AsyncAPIFile || e.Name() == OpenAPIFile {
			continue
		}
		names = append(names, strings.TrimSuffix(e.Name(), ".json"))
	}
	return names
}
