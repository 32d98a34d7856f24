package distribution

import (
	"bytes"
	"encoding/json"
	"mime"
	"strings"

	"github.com/hubwire/hubwire/adapter"
)

// recognizes reports whether a delivery looks like distribution's: its
// own media type, or an {"events":[…]} envelope whose first element has an
// action and a target. It tells a sender who pasted the URL of another
// registry where this delivery belongs.
func recognizes(d adapter.Delivery) bool {
	if mt, _, err := mime.ParseMediaType(d.Header.Get("Content-Type")); err == nil &&
		strings.HasPrefix(mt, "application/vnd.docker.distribution.events.") {
		return true
	}
	if !bytes.Contains(d.Body, []byte(`"events"`)) {
		return false
	}
	var env struct {
		Events []struct {
			Action string          `json:"action"`
			Target json.RawMessage `json:"target"`
		} `json:"events"`
	}
	if json.Unmarshal(d.Body, &env) != nil || len(env.Events) == 0 {
		return false
	}
	e := env.Events[0]
	return e.Action != "" && len(e.Target) > 0 && e.Target[0] == '{'
}
