package dtr

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/hubwire/hubwire/adapter"
)

// canonicalJSON re-encodes raw with sorted keys and no insignificant
// space, so that the same contents always hash the same. Its output is,
// byte for byte, what encoding/json makes of raw decoded into an any with
// UseNumber (the event ids of earlier versions were made that way, and a
// delivery retried across an upgrade must keep its id): keys sorted by
// their decoded value, the last of duplicate keys kept, numbers as sent,
// strings escaped as encoding/json escapes them. It walks the text once
// instead of building maps, since it runs on every DTR delivery.
func canonicalJSON(raw json.RawMessage) (string, error) {
	if !json.Valid(raw) {
		var v any
		err := json.Unmarshal(raw, &v)
		return "", adapter.Errorf("contents", "is not valid JSON: %v", err)
	}
	c := canonicalizer{in: raw}
	out := c.value(make([]byte, 0, len(raw)))
	return string(out), nil
}

// canonicalizer walks JSON text already known to be valid.
type canonicalizer struct {
	in  []byte
	pos int
}

func (c *canonicalizer) skipSpace() {
	for c.pos < len(c.in) {
		switch c.in[c.pos] {
		case ' ', '\t', '\n', '\r':
			c.pos++
		default:
			return
		}
	}
}

// value appends the canonical form of the value at c.pos to out.
func (c *canonicalizer) value(out []byte) []byte {
	c.skipSpace()
	switch c.in[c.pos] {
	case '{':
		return c.object(out)
	case '[':
		return c.array(out)
	case '"':
		return appendString(out, c.str())
	default: // a number, true, false or null: kept as sent
		start := c.pos
		for c.pos < len(c.in) && !isDelimiter(c.in[c.pos]) {
			c.pos++
		}
		return append(out, c.in[start:c.pos]...)
	}
}

func isDelimiter(b byte) bool {
	switch b {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// member is one of an object's members: its key, decoded, and where its
// value starts in the input.
type member struct {
	key   []byte
	start int
}

func (c *canonicalizer) object(out []byte) []byte {
	c.pos++ // {
	var stack [16]member
	members := stack[:0]
	for {
		c.skipSpace()
		if c.in[c.pos] == '}' {
			c.pos++
			break
		}
		if c.in[c.pos] == ',' {
			c.pos++
			c.skipSpace()
		}
		key := c.str()
		c.skipSpace()
		c.pos++ // :
		c.skipSpace()
		m := member{key: key, start: c.pos}
		c.skip()
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
	end := c.pos
	out = append(out, '{')
	for i, m := range members {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendString(out, m.key)
		out = append(out, ':')
		c.pos = m.start
		out = c.value(out)
	}
	c.pos = end
	return append(out, '}')
}

// skip moves past the value at c.pos.
func (c *canonicalizer) skip() {
	depth := 0
	for {
		switch c.in[c.pos] {
		case '"':
			c.str()
			if depth == 0 {
				return
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				c.pos++
				return
			}
		default:
			if depth == 0 && !isDelimiter(c.in[c.pos]) {
				for c.pos < len(c.in) && !isDelimiter(c.in[c.pos]) {
					c.pos++
				}
				return
			}
		}
		c.pos++
	}
}

func (c *canonicalizer) array(out []byte) []byte {
	c.pos++ // [
	out = append(out, '[')
	for first := true; ; first = false {
		c.skipSpace()
		if c.in[c.pos] == ']' {
			c.pos++
			return append(out, ']')
		}
		if c.in[c.pos] == ',' {
			c.pos++
		}
		if !first {
			out = append(out, ',')
		}
		out = c.value(out)
	}
}

// str reads the string at c.pos and returns its decoded value: the text
// between the quotes itself, allocating nothing, unless it holds an escape
// or a byte outside ASCII (which the decoder may replace, if not UTF-8).
func (c *canonicalizer) str() []byte {
	start := c.pos
	c.pos++ // "
	plain := true
	for {
		b := c.in[c.pos]
		if b == '"' {
			break
		}
		if b == '\\' {
			plain = false
			c.pos += 2
			continue
		}
		if b >= 0x80 {
			plain = false
		}
		c.pos++
	}
	c.pos++ // "
	if plain {
		return c.in[start+1 : c.pos-1]
	}
	var s string
	json.Unmarshal(c.in[start:c.pos], &s)
	return []byte(s)
}

// appendString appends s as encoding/json writes it.
func appendString(out, s []byte) []byte {
	if !isPlain(s) {
		quoted, _ := json.Marshal(string(s))
		return append(out, quoted...)
	}
	out = append(out, '"')
	out = append(out, s...)
	return append(out, '"')
}

// isPlain reports whether encoding/json writes s between quotes as is.
func isPlain(s []byte) bool {
	for _, b := range s {
		if b < 0x20 || b >= 0x80 || b == '<' || b == '>' || b == '&' || b == '"' || b == '\\' {
			return false
		}
	}
	return true
}
