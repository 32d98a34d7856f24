package acr

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

// freshen sets timestamp to now; the rest stays as it is. The event id is
// made from the timestamp too, so each freshened send is a new event.
func freshen(body []byte, now time.Time) []byte {
	var d map[string]json.RawMessage
	if json.Unmarshal(body, &d) != nil || d == nil {
		return body
	}
	d["timestamp"], _ = json.Marshal(now.UTC().Format(time.RFC3339Nano))
	out, err := json.Marshal(d)
	if err != nil {
		return body
	}
	return out
}
