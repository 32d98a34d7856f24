package ecr

import (
	"embed"
	"encoding/json"
	"fmt"
	"time"
)

// Samples holds realistic deliveries, one file each, for tests and for
// trying a setup end to end: EventBridge events as an API destination
// posts them (the examples of ECR's user guide).
//
//go:embed samples/*.json
var Samples embed.FS

// freshen sets time to now and gives the event a new id, made from now:
// the event id is made from EventBridge's id, so each freshened send is a
// new event. The rest stays as it is.
func freshen(body []byte, now time.Time) []byte {
	var d map[string]json.RawMessage
	if json.Unmarshal(body, &d) != nil || d == nil {
		return body
	}
	n := now.UnixNano()
	d["time"], _ = json.Marshal(now.UTC().Truncate(time.Second).Format(time.RFC3339))
	d["id"], _ = json.Marshal(fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", uint32(n>>32), uint16(n>>16), uint16(n), 0x8000|uint16(n>>48)&0x3fff, n&0xffffffffffff))
	out, err := json.Marshal(d)
	if err != nil {
		return body
	}
	return out
}
