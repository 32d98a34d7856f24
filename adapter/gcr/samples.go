package gcr

import (
	"embed"
	"encoding/json"
	"strconv"
	"time"
)

// Samples holds realistic deliveries, one file each, for tests and for
// trying a setup end to end: Pub/Sub push envelopes of Artifact Registry
// messages.
//
//go:embed samples/*.json
var Samples embed.FS

// freshen sets the message's publish time to now and gives it a new
// message id, made from now: the event id is made from the message id, so
// each freshened send is a new event. The rest stays as it is.
func freshen(body []byte, now time.Time) []byte {
	var env map[string]json.RawMessage
	if json.Unmarshal(body, &env) != nil || env == nil {
		return body
	}
	var msg map[string]json.RawMessage
	if json.Unmarshal(env["message"], &msg) != nil || msg == nil {
		return body
	}
	id, _ := json.Marshal(strconv.FormatInt(now.UnixNano(), 10))
	ts, _ := json.Marshal(now.UTC().Format(time.RFC3339Nano))
	msg["messageId"], msg["message_id"] = id, id
	msg["publishTime"], msg["publish_time"] = ts, ts
	var err error
	if env["message"], err = json.Marshal(msg); err != nil {
		return body
	}
	out, err := json.Marshal(env)
	if err != nil {
		return body
	}
	return out
}
