package quay

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
	b = rawjson.AppendStringMember(b, "docker_url", d.DockerURL)
	b = rawjson.AppendStringMember(b, "homepage", d.Homepage)
	b = rawjson.AppendStringMember(b, "image_id", d.ImageID)
	b = appendStrings(b, "tags", d.Tags)
	if x := d.Build; x != nil {
		b = rawjson.AppendName(b, "build")
		start := len(b)
		b = append(b, '{')
		b = rawjson.AppendStringMember(b, "id", x.ID)
		b = rawjson.AppendStringMember(b, "name", x.Name)
		b = appendStrings(b, "tags", x.Tags)
		b = rawjson.AppendStringMember(b, "trigger_kind", x.TriggerKind)
		b = rawjson.AppendStringMember(b, "trigger_id", x.TriggerID)
		b = rawjson.AppendStringMember(b, "commit", x.Commit)
		b = rawjson.AppendStringMember(b, "ref", x.Ref)
		b = appendBool(b, "manual", x.Manual)
		b = rawjson.AppendStringMember(b, "image_id", x.Image)
		b = appendStrings(b, "manifest_digests", x.ManifestDigests)
		b = rawjson.AppendStringMember(b, "error", x.Error)
		b = closeObject(b, start)
	}
	if v := d.Vulnerability; v != nil {
		b = rawjson.AppendName(b, "vulnerability")
		start := len(b)
		b = append(b, '{')
		b = rawjson.AppendStringMember(b, "id", v.ID)
		b = rawjson.AppendStringMember(b, "description", v.Description)
		b = rawjson.AppendStringMember(b, "link", v.Link)
		b = rawjson.AppendStringMember(b, "priority", v.Priority)
		b = appendBool(b, "has_fix", v.HasFix)
		b = closeObject(b, start)
	}
	b = rawjson.AppendStringMember(b, "message", d.Message)
	return append(rawjson.AppendPayload(b, d.Payload), '}'), nil
}

// appendStrings appends ,"name":[…] unless list is empty, as encoding/json
// writes a slice with omitempty.
func appendStrings(b []byte, name string, list []string) []byte {
	if len(list) == 0 {
		return b
	}
	b = append(rawjson.AppendName(b, name), '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = rawjson.AppendString(b, s)
	}
	return append(b, ']')
}

// appendBool appends ,"name":v unless v is nil.
func appendBool(b []byte, name string, v *bool) []byte {
	if v == nil {
		return b
	}
	return strconv.AppendBool(rawjson.AppendName(b, name), *v)
}

// closeObject ends the object opened at start, dropping the comma its
// first member was written with.
func closeObject(b []byte, start int) []byte {
	if len(b) > start+1 {
		b = append(b[:start+1], b[start+2:]...)
	}
	return append(b, '}')
}
