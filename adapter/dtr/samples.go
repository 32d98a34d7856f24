package dtr

import (
	"embed"
	"encoding/json"
	"time"
)

// Samples holds realistic deliveries, one file each, for tests and for
// trying a setup end to end.
//
//go:embed samples/*.json
var Samples embed.FS

// freshen sets createdAt to now; the rest stays as it is.
func freshen(body []byte, now time.Time) []byte {
	var d map[string]json.RawMessage
	if json.Unmarshal(body, &d) != nil || d == nil {
		return body
	}
	d["createdAt"], _ = json.Marshal(now.Format(time.RFC3339Nano))
	out, err := json.Marshal(d)
	if err != nil {
		return body
	}
	return out
}
