package adapter

import (
	"fmt"

	"github.com/hubwire/hubwire/internal/rawjson"
)

// DataAppender is event data that writes its own JSON: byte for byte what
// rawjson.Marshal (encoding/json, HTML escaping off) writes of it, without
// the reflection, since every delivery encodes its data once. The
// registries' Data types are; their tests hold them to rawjson.Marshal.
type DataAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// AppendJSONStart appends the opening brace and f's members as
// rawjson.Marshal writes them: the start of a registry's Data, which embeds
// Facts first (encoding/json writes an embedded struct's fields where it
// stands). The Data's own members and the closing brace follow.
func (f Facts) AppendJSONStart(b []byte) ([]byte, error) {
	b = append(b, `{"registry":`...)
	b = rawjson.AppendString(b, f.Registry)
	b = rawjson.AppendStringMember(b, "repository", f.Repository)
	b = rawjson.AppendStringMember(b, "namespace", f.Namespace)
	b = rawjson.AppendStringMember(b, "name", f.Name)
	b = rawjson.AppendStringMember(b, "tag", f.Tag)
	b = rawjson.AppendStringMember(b, "digest", f.Digest)
	b = rawjson.AppendStringMember(b, "actor", f.Actor)
	b = append(b, `,"action":`...)
	b = rawjson.AppendString(b, f.Action)
	b = append(b, `,"occurred_at":"`...)
	b, err := f.OccurredAt.AppendText(b)
	if err != nil {
		return nil, fmt.Errorf("occurred_at: %w", err)
	}
	return append(b, '"'), nil
}
