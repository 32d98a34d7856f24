package artifactory

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
	b = rawjson.AppendString(rawjson.AppendName(b, "domain"), d.Domain)
	b = rawjson.AppendStringMember(b, "repo_key", d.RepoKey)
	b = rawjson.AppendStringMember(b, "path", d.Path)
	b = rawjson.AppendStringMember(b, "image_name", d.ImageName)
	b = rawjson.AppendStringMember(b, "image_type", d.ImageType)
	if d.Size != nil {
		b = rawjson.AppendInt(b, "size", *d.Size)
	}
	if len(d.Platforms) > 0 {
		b = append(rawjson.AppendName(b, "platforms"), '[')
		for i, p := range d.Platforms {
			if i > 0 {
				b = append(b, ',')
			}
			start := len(b)
			b = append(b, '{')
			b = rawjson.AppendStringMember(b, "architecture", p.Architecture)
			b = rawjson.AppendStringMember(b, "os", p.OS)
			b = rawjson.AppendStringMember(b, "variant", p.Variant)
			if len(b) > start+1 { // the first member's comma
				b = append(b[:start+1], b[start+2:]...)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = rawjson.AppendStringMember(b, "origin", d.Origin)
	return append(rawjson.AppendPayload(b, d.Payload), '}'), nil
}
