package dockerhub

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
	if len(d.Images) > 0 {
		b = append(rawjson.AppendName(b, "images"), '[')
		for i, id := range d.Images {
			if i > 0 {
				b = append(b, ',')
			}
			b = rawjson.AppendString(b, id)
		}
		b = append(b, ']')
	}
	b = rawjson.AppendStringMember(b, "media_type", d.MediaType)
	b = rawjson.AppendStringMember(b, "repo_url", d.RepoURL)
	return append(rawjson.AppendPayload(b, d.Payload), '}'), nil
}
