package dockerhub

import (
	"embed"
	"encoding/json"
	"fmt"
	"time"
)

// Samples holds realistic deliveries, one file each, for tests and for
// trying a setup end to end.
//
//go:embed samples/*.json
var Samples embed.FS

// freshen sets push_data.pushed_at to now; the rest stays as it is.
func freshen(body []byte, now time.Time) []byte {
	var d map[string]json.RawMessage
	if json.Unmarshal(body, &d) != nil || d == nil {
		return body
	}
	var push map[string]json.RawMessage
	if json.Unmarshal(d["push_data"], &push) != nil || push == nil {
		return body
	}
	push["pushed_at"] = json.RawMessage(fmt.Sprint(now.Unix()))
	d["push_data"], _ = json.Marshal(push)
	out, err := json.Marshal(d)
	if err != nil {
		return body
	}
	return out
}
