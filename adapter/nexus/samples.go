package nexus

import (
	"embed"
	"encoding/json"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter"
)

// Samples holds realistic deliveries, one file each, for tests and for
// trying a setup end to end: a Docker image's tag created, updated and
// deleted (component events), the docs' npm asset, and a Docker manifest
// and blob (asset events).
//
//go:embed samples/*.json
var Samples embed.FS

// freshen sets timestamp to now, written as Nexus writes it; the rest
// stays as it is. The event id is made from the timestamp too, so each
// freshened send is a new event.
func freshen(body []byte, now time.Time) []byte {
	var d map[string]json.RawMessage
	if json.Unmarshal(body, &d) != nil || d == nil {
		return body
	}
	d["timestamp"], _ = json.Marshal(now.UTC().Format("2006-01-02T15:04:05.000-0700"))
	out, err := json.Marshal(d)
	if err != nil {
		return body
	}
	return out
}

// recognizes reports whether a delivery looks like Nexus's: its webhook
// headers or User-Agent, or a body with the members every Nexus webhook
// has (nodeId, initiator) beside a component, an asset, a repository or
// an audit record.
func recognizes(d adapter.Delivery) bool {
	if d.Header.Get("X-Nexus-Webhook-ID") != "" || d.Header.Get("X-Nexus-Webhook-Delivery") != "" ||
		strings.HasPrefix(d.Header.Get("User-Agent"), "Nexus/") {
		return true
	}
	var b struct {
		NodeID     *string         `json:"nodeId"`
		Initiator  *string         `json:"initiator"`
		Component  json.RawMessage `json:"component"`
		Asset      json.RawMessage `json:"asset"`
		Repository json.RawMessage `json:"repository"`
		Audit      json.RawMessage `json:"audit"`
	}
	if json.Unmarshal(d.Body, &b) != nil || b.NodeID == nil || b.Initiator == nil {
		return false
	}
	return b.Component != nil || b.Asset != nil || b.Repository != nil || b.Audit != nil
}
