package dtr

import (
	"strconv"

	"github.com/hubwire/hubwire/adapter"
)

var _ adapter.DataAppender = Data{}

// AppendJSON implements adapter.DataAppender: d as json.Marshal writes it.
func (d Data) AppendJSON(b []byte) ([]byte, error) {
	b, err := d.Facts.AppendJSONStart(b)
	if err != nil {
		return nil, err
	}
	b = adapter.AppendStringMember(b, "image_name", d.ImageName)
	b = adapter.AppendStringMember(b, "os", d.OS)
	b = adapter.AppendStringMember(b, "architecture", d.Architecture)
	b = adapter.AppendStringMember(b, "location", d.Location)
	if s := d.Scan; s != nil {
		b = adapter.AppendName(b, "scan")
		b = append(b, `{"critical":`...)
		b = strconv.AppendInt(b, s.Critical, 10)
		b = adapter.AppendInt(b, "major", s.Major)
		b = adapter.AppendInt(b, "minor", s.Minor)
		b = adapter.AppendStringMember(b, "status", s.Status)
		if s.StatusCode != nil {
			b = adapter.AppendInt(b, "status_code", *s.StatusCode)
		}
		b = adapter.AppendStringMember(b, "check_completed_at", s.CheckCompletedAt)
		b = append(b, '}')
	}
	b = adapter.AppendStringMember(b, "error", d.Error)
	if s := d.Scanner; s != nil {
		b = adapter.AppendName(b, "scanner")
		start := len(b)
		b = append(b, '{')
		b = adapter.AppendStringMember(b, "version", s.Version)
		b = adapter.AppendStringMember(b, "updated_at", s.UpdatedAt)
		b = adapter.AppendStringMember(b, "db_version", s.DBVersion)
		b = adapter.AppendStringMember(b, "db_updated_at", s.DBUpdated)
		if s.Success != nil {
			b = strconv.AppendBool(adapter.AppendName(b, "success"), *s.Success)
		}
		if len(b) > start+1 { // the first member's comma
			b = append(b[:start+1], b[start+2:]...)
		}
		b = append(b, '}')
	}
	return append(adapter.AppendPayload(b, d.Payload), '}'), nil
}
