package distribution

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

// freshen sets the timestamp of every event of the envelope to now; the
// rest stays as it is.
func freshen(body []byte, now time.Time) []byte {
	var env map[string]json.RawMessage
	if json.Unmarshal(body, &env) != nil || env == nil {
		return body
	}
	var events []map[string]json.RawMessage
	if json.Unmarshal(env["events"], &events) != nil {
		return body
	}
	stamp, _ := json.Marshal(now.Format(time.RFC3339Nano))
	for _, e := range events {
		if e == nil {
			return body
		}
		e["timestamp"] = stamp
	}
	env["events"], _ = json.Marshal(events)
	out, err := json.Marshal(env)
	if err != nil {
		return body
	}
	return out
}
