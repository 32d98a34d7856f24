package dtr

import (
	"strconv"

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
	b = rawjson.AppendStringMember(b, "image_name", d.ImageName)
	b = rawjson.AppendStringMember(b, "os", d.OS)
	b = rawjson.AppendStringMember(b, "architecture", d.Architecture)
	b = rawjson.AppendStringMember(b, "location", d.Location)
	if s := d.Scan; s != nil {
		b = rawjson.AppendName(b, "scan")
		b = append(b, `{"critical":`...)
		b = strconv.AppendInt(b, s.Critical, 10)
		b = rawjson.AppendInt(b, "major", s.Major)
		b = rawjson.AppendInt(b, "minor", s.Minor)
		b = rawjson.AppendStringMember(b, "status", s.Status)
		if s.StatusCode != nil {
			b = rawjson.AppendInt(b, "status_code", *s.StatusCode)
		}
		b = rawjson.AppendStringMember(b, "check_completed_at", s.CheckCompletedAt)
		b = append(b, '}')
	}
	b = rawjson.AppendStringMember(b, "error", d.Error)
	if s := d.Scanner; s != nil {
		b = rawjson.AppendName(b, "scanner")
		start := len(b)
		b = append(b, '{')
		b = rawjson.AppendStringMember(b, "version", s.Version)
		b = rawjson.AppendStringMember(b, "updated_at", s.UpdatedAt)
		b = rawjson.AppendStringMember(b, "db_version", s.DBVersion)
		b = rawjson.AppendStringMember(b, "db_updated_at", s.DBUpdated)
		if s.Success != nil {
			b = strconv.AppendBool(rawjson.AppendName(b, "success"), *s.Success)
		}
		if len(b) > start+1 { // the first member's comma
			b = append(b[:start+1], b[start+2:]...)
		}
		b = append(b, '}')
	}
	return append(rawjson.AppendPayload(b, d.Payload), '}'), nil
}
