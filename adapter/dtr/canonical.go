package dtr

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/hubwire/hubwire/adapter"
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
	c := canonicalizer{JSONReader: adapter.JSONReader{In: raw}}
	return string(c.value(make([]byte, 0, len(raw))))
}

// canonicalizer writes the canonical form of the text it reads.
type canonicalizer struct {
	adapter.JSONReader
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
		return adapter.AppendString(out, c.Str())
	default: // a number, true, false or null: kept as sent
		start := c.Pos
		for c.Pos < len(c.In) && !adapter.IsDelimiter(c.In[c.Pos]) {
			c.Pos++
		}
		return append(out, c.In[start:c.Pos]...)
	}
}

// member is one of an object's members: its key, decoded, and where its
// value starts in the input.
type member struct {
	key   []byte
	start int
}

func (c *canonicalizer) object(out []byte) []byte {
	c.Pos++ // {
	var stack [16]member
	members := stack[:0]
	for {
		c.SkipSpace()
		if c.In[c.Pos] == '}' {
			c.Pos++
			break
		}
		if c.In[c.Pos] == ',' {
			c.Pos++
			c.SkipSpace()
		}
		key := c.Str()
		c.SkipSpace()
		c.Pos++ // :
		c.SkipSpace()
		m := member{key: key, start: c.Pos}
		c.Skip()
		// The last of duplicate keys wins, as in a decoded map.
		dup := false
		for i := range members {
			if bytes.Equal(members[i].key, key) {
				members[i], dup = m, true
			}
		}
		if !dup {
			members = append(members, m)
		}
	}
	slices.SortFunc(members, func(a, b member) int { return bytes.Compare(a.key, b.key) })
	end := c.Pos
	out = append(out, '{')
	for i, m := range members {
		if i > 0 {
			out = append(out, ',')
		}
		out = adapter.AppendString(out, m.key)
		out = append(out, ':')
		c.Pos = m.start
		out = c.value(out)
	}
	c.Pos = end
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
