package dockerhub

import "github.com/hubwire/hubwire/adapter"

var _ adapter.DataAppender = Data{}

// AppendJSON implements adapter.DataAppender: d as json.Marshal writes it.
func (d Data) AppendJSON(b []byte) ([]byte, error) {
	b, err := d.Facts.AppendJSONStart(b)
	if err != nil {
		return nil, err
	}
	if len(d.Images) > 0 {
		b = append(adapter.AppendName(b, "images"), '[')
		for i, id := range d.Images {
			if i > 0 {
				b = append(b, ',')
			}
			b = adapter.AppendString(b, id)
		}
		b = append(b, ']')
	}
	b = adapter.AppendStringMember(b, "media_type", d.MediaType)
	b = adapter.AppendStringMember(b, "repo_url", d.RepoURL)
	return append(adapter.AppendPayload(b, d.Payload), '}'), nil
}
