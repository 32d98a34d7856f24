package dtr

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/hubwire/hubwire/internal/rawjson"
)

// canonicalJSON re-encodes raw, the text of contents in a body DecodeJSON
// found valid, with sorted keys and no insignificant space, so that the
// same contents always hash the same. Its output is, byte for byte, what
// encoding/json makes of raw decoded into an any with UseNumber (the event
// ids of earlier versions were made that way, and a delivery retried
// across an upgrade must keep its id): keys sorted by their decoded value,
// the last of duplicate keys kept, numbers as sent, strings escaped as
// encoding/json escapes them. It walks the text once instead of building
// maps, since it runs on every DTR delivery.
func canonicalJSON(raw json.RawMessage) string {
	c := canonicalizer{JSONReader: rawjson.JSONReader{In: raw}}
	return string(c.value(make([]byte, 0, len(raw))))
}

// canonicalizer writes the canonical form of the text it reads.
type canonicalizer struct {
	rawjson.JSONReader
}

// value appends the canonical form of the value at c.Pos to out.
func (c *canonicalizer) value(out []byte) []byte {
	c.SkipSpace()
	switch c.In[c.Pos] {
	case '{':
		return c.object(out)
	case '[':
		return c.array(out)
	case '"':
		return rawjson.AppendStringHTML(out, c.Str())
	default: // a number, true, false or null: kept as sent
		start := c.Pos
		for c.Pos < len(c.In) && !rawjson.IsDelimiter(c.In[c.Pos]) {
			c.Pos++
		}
		return append(out, c.In[start:c.Pos]...)
	}
}

func (c *canonicalizer) object(out []byte) []byte {
	var stack [16]rawjson.Member
	return canonicalMembers(out, c.Members(stack[:0]))
}

// canonicalMembers appends the canonical form of the object of members:
// sorted by key (in place), each key as it decodes, each value's
// canonical form. The keys must be decoded and given once, as
// JSONReader.Members and rawjson.ObjectMembers return them.
func canonicalMembers(out []byte, members []rawjson.Member) []byte {
	slices.SortFunc(members, func(a, b rawjson.Member) int { return bytes.Compare(a.Key, b.Key) })
	out = append(out, '{')
	for i, m := range members {
		if i > 0 {
			out = append(out, ',')
		}
		out = rawjson.AppendStringHTML(out, m.Key)
		out = append(out, ':')
		member := canonicalizer{JSONReader: rawjson.JSONReader{In: m.Value}}
		out = member.value(out)
	}
	return append(out, '}')
}

func (c *canonicalizer) array(out []byte) []byte {
	c.Pos++ // [
	out = append(out, '[')
	for first := true; ; first = false {
		c.SkipSpace()
		if c.In[c.Pos] == ']' {
			c.Pos++
			return append(out, ']')
		}
		if c.In[c.Pos] == ',' {
			c.Pos++
		}
		if !first {
			out = append(out, ',')
		}
		out = c.value(out)
	}
}
