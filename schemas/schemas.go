// Package schemas holds the JSON Schemas (draft 2020-12) of the data of
// every event type hubwire publishes. They are embedded in the binary and
// served by the receiver under /schemas/, which is where each event's
// dataschema attribute points. References between them are relative
// ("common.json#/$defs/facts"), so they resolve wherever they are served.
package schemas

import (
	"embed"
	"io/fs"
	"strings"
)

//go:embed *.json
var files embed.FS

// FS returns the schema files, named <name>.json.
func FS() fs.FS { return files }

// Names lists the names of every schema file, without .json.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".json"))
	}
	return names
}
