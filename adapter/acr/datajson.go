package acr

import (
	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/internal/rawjson"
)

var _ adapter.DataAppender = Data{}

// AppendJSON implements adapter.DataAppender: d as rawjson.Marshal writes it.
func (d Data) AppendJSON(b []byte) ([]byte, error) {
	b, err := d.Facts.AppendJSONStart(b)
	if err != nil {
		return nil, err
	}
	b = rawjson.AppendStringMember(b, "host", d.Host)
	b = rawjson.AppendStringMember(b, "media_type", d.MediaType)
	if c := d.Chart; c != nil {
		b = rawjson.AppendName(b, "chart")
		start := len(b)
		b = append(b, '{')
		b = rawjson.AppendStringMember(b, "name", c.Name)
		b = rawjson.AppendStringMember(b, "version", c.Version)
		if len(b) > start+1 { // the first member's comma
			b = append(b[:start+1], b[start+2:]...)
		}
		b = append(b, '}')
	}
	return append(rawjson.AppendPayload(b, d.Payload), '}'), nil
}
