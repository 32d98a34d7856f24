package rawjson

import (
	"bytes"
	"encoding/json"
)

// Marshal is what json.Marshal writes of v, but with HTML escaping off,
// as AppendString writes strings: how hubwire encodes the events it
// publishes and spools. '<', '>' and '&' need no escaping
// in JSON, and json.Marshal's escaping of them in an event's data grew a
// body of them 6 times, past the broker's limit.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
