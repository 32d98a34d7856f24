package github

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
	b = rawjson.AppendStringMember(b, "event", d.Event)
	b = rawjson.AppendStringMember(b, "package_type", d.PackageType)
	b = rawjson.AppendStringMember(b, "media_type", d.MediaType)
	b = rawjson.AppendStringMember(b, "package_url", d.PackageURL)
	return append(rawjson.AppendPayload(b, d.Payload), '}'), nil
}
