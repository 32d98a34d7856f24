package nexus

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
	b = rawjson.AppendString(rawjson.AppendName(b, "webhook"), d.Webhook)
	b = rawjson.AppendStringMember(b, "nexus_repository", d.NexusRepository)
	b = rawjson.AppendStringMember(b, "node_id", d.NodeID)
	if c := d.Component; c != nil {
		b = rawjson.AppendName(b, "component")
		start := len(b)
		b = append(b, '{')
		b = rawjson.AppendStringMember(b, "id", c.ID)
		b = rawjson.AppendStringMember(b, "componentId", c.ComponentID)
		b = rawjson.AppendStringMember(b, "format", c.Format)
		b = rawjson.AppendStringMember(b, "group", c.Group)
		b = rawjson.AppendStringMember(b, "name", c.Name)
		b = rawjson.AppendStringMember(b, "version", c.Version)
		b = closeObject(b, start)
	}
	if a := d.Asset; a != nil {
		b = rawjson.AppendName(b, "asset")
		start := len(b)
		b = append(b, '{')
		b = rawjson.AppendStringMember(b, "id", a.ID)
		b = rawjson.AppendStringMember(b, "assetId", a.AssetID)
		b = rawjson.AppendStringMember(b, "format", a.Format)
		b = rawjson.AppendStringMember(b, "name", a.Name)
		b = closeObject(b, start)
	}
	return append(rawjson.AppendPayload(b, d.Payload), '}'), nil
}

// closeObject ends the object opened at start, dropping the comma its
// first member was written with.
func closeObject(b []byte, start int) []byte {
	if len(b) > start+1 {
		b = append(b[:start+1], b[start+2:]...)
	}
	return append(b, '}')
}
