package adapter

import (
	"fmt"
	"strconv"
)

// DataAppender is event data that writes its own JSON: byte for byte what
// json.Marshal writes of it, without the reflection, since every delivery
// encodes its data once. The registries' Data types are; their tests hold
// them to json.Marshal.
type DataAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// AppendJSONStart appends the opening brace and f's members as
// json.Marshal writes them: the start of a registry's Data, which embeds
// Facts first (encoding/json writes an embedded struct's fields where it
// stands). The Data's own members and the closing brace follow.
func (f Facts) AppendJSONStart(b []byte) ([]byte, error) {
	b = append(b, `{"registry":`...)
	b = AppendString(b, f.Registry)
	b = AppendStringMember(b, "repository", f.Repository)
	b = AppendStringMember(b, "namespace", f.Namespace)
	b = AppendStringMember(b, "name", f.Name)
	b = AppendStringMember(b, "tag", f.Tag)
	b = AppendStringMember(b, "digest", f.Digest)
	b = AppendStringMember(b, "actor", f.Actor)
	b = append(b, `,"action":`...)
	b = AppendString(b, f.Action)
	b = append(b, `,"occurred_at":"`...)
	b, err := f.OccurredAt.AppendText(b)
	if err != nil {
		return nil, fmt.Errorf("occurred_at: %w", err)
	}
	return append(b, '"'), nil
}

// AppendStringMember appends ,"name":value unless value is empty, as
// encoding/json writes a string field with omitempty.
func AppendStringMember(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	b = AppendName(b, name)
	return AppendString(b, value)
}

// AppendName appends ,"name": (name needs no escaping: it is a field's
// JSON name, written in code).
func AppendName(b []byte, name string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

// AppendInt appends ,"name":n.
func AppendInt(b []byte, name string, n int64) []byte {
	return strconv.AppendInt(AppendName(b, name), n, 10)
}

// AppendPayload appends ,"payload":p. p is written as it is: it must be
// what Object.Payload returns (compact, escaped as json.Marshal escapes),
// and is then what json.Marshal writes of it.
func AppendPayload(b []byte, p []byte) []byte {
	b = AppendName(b, "payload")
	if p == nil {
		return append(b, "null"...)
	}
	return append(b, p...)
}
