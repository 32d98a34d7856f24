package harbor

import (
	"embed"
	"encoding/json"
	"time"
)

// Samples holds realistic deliveries, one file each, for tests and for
// trying a setup end to end: the Default format's as <type>.json, the
// CloudEvents format's as <type>-cloudevents.json.
//
//go:embed samples/*.json
var Samples embed.FS

// freshen sets the time of the occurrence to now (occur_at of the Default
// format, time of the CloudEvents one, both in whole seconds as Harbor
// sends them); the rest stays as it is. The event id is made from that
// time too, so each freshened send is a new event.
func freshen(body []byte, now time.Time) []byte {
	var d map[string]json.RawMessage
	if json.Unmarshal(body, &d) != nil || d == nil {
		return body
	}
	if _, ce := d["specversion"]; ce {
		d["time"], _ = json.Marshal(now.UTC().Truncate(time.Second).Format(time.RFC3339))
	} else {
		d["occur_at"], _ = json.Marshal(now.Unix())
	}
	out, err := json.Marshal(d)
	if err != nil {
		return body
	}
	return out
}
