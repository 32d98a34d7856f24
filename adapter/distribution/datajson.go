package distribution

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
	b = rawjson.AppendStringMember(b, "event_id", d.EventID)
	b = rawjson.AppendStringMember(b, "host", d.Host)
	b = rawjson.AppendStringMember(b, "media_type", d.MediaType)
	b = rawjson.AppendStringMember(b, "url", d.URL)
	b = rawjson.AppendStringMember(b, "from_repository", d.FromRepository)
	b = rawjson.AppendStringMember(b, "user_agent", d.UserAgent)
	return append(rawjson.AppendPayload(b, d.Payload), '}'), nil
}
