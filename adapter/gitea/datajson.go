package gitea

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
	b = rawjson.AppendString(rawjson.AppendName(b, "package_type"), d.PackageType)
	b = rawjson.AppendStringMember(b, "version", d.Version)
	b = rawjson.AppendStringMember(b, "host", d.Host)
	b = rawjson.AppendStringMember(b, "html_url", d.HTMLURL)
	return append(rawjson.AppendPayload(b, d.Payload), '}'), nil
}
