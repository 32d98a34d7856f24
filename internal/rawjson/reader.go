package rawjson

import (
	"bytes"
	"encoding/json"
	"slices"
)

// JSONReader walks JSON text already known to be valid (Decode
// checked it) without building values: the decoders use it to split a
// delivery into its members and to re-encode parts of it, once per
// delivery, where encoding/json would decode into maps and encode again.
// On text that is not valid JSON its results mean nothing.
type JSONReader struct {
	In  []byte
	Pos int
}

// SkipSpace moves past insignificant space.
func (r *JSONReader) SkipSpace() {
	for r.Pos < len(r.In) {
		switch r.In[r.Pos] {
		case ' ', '\t', '\n', '\r':
			r.Pos++
		default:
			return
		}
	}
}

// Str reads the string at r.Pos and returns its decoded value: the text
// between the quotes itself, allocating nothing, unless it holds an escape
// or a byte outside ASCII (which the decoder may replace, if not UTF-8).
func (r *JSONReader) Str() []byte {
	start := r.Pos
	r.Pos++ // "
	plain := true
	for {
		b := r.In[r.Pos]
		if b == '"' {
			break
		}
		if b == '\\' {
			plain = false
			r.Pos += 2
			continue
		}
		if b >= 0x80 {
			plain = false
		}
		r.Pos++
	}
	r.Pos++ // "
	if plain {
		return r.In[start+1 : r.Pos-1]
	}
	var s string
	json.Unmarshal(r.In[start:r.Pos], &s)
	return []byte(s)
}

// Members reads the object at r.Pos and appends its members to into,
// sorted by key, the last of duplicate keys kept, as in a decoded map.
func (r *JSONReader) Members(into []Member) []Member {
	r.Pos++ // {
	members := into
	for {
		r.SkipSpace()
		if r.In[r.Pos] == '}' {
			r.Pos++
			break
		}
		if r.In[r.Pos] == ',' {
			r.Pos++
			r.SkipSpace()
		}
		key := r.Str()
		r.SkipSpace()
		r.Pos++ // :
		r.SkipSpace()
		start := r.Pos
		r.Skip()
		m := Member{Key: key, Value: r.In[start:r.Pos]}
		if i := slices.IndexFunc(members, func(o Member) bool { return bytes.Equal(o.Key, key) }); i >= 0 {
			members[i] = m
		} else {
			members = append(members, m)
		}
	}
	slices.SortFunc(members, func(a, b Member) int { return bytes.Compare(a.Key, b.Key) })
	return members
}

// Skip moves past the value at r.Pos.
func (r *JSONReader) Skip() {
	depth := 0
	for {
		switch r.In[r.Pos] {
		case '"':
			r.skipString()
			if depth == 0 {
				return
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				r.Pos++
				return
			}
		default:
			if depth == 0 && !IsDelimiter(r.In[r.Pos]) {
				for r.Pos < len(r.In) && !IsDelimiter(r.In[r.Pos]) {
					r.Pos++
				}
				return
			}
		}
		r.Pos++
	}
}

// skipString moves past the string at r.Pos without decoding it.
func (r *JSONReader) skipString() {
	r.Pos++ // "
	for r.In[r.Pos] != '"' {
		if r.In[r.Pos] == '\\' {
			r.Pos++
		}
		r.Pos++
	}
	r.Pos++ // "
}

// IsDelimiter reports whether b ends a number or a literal.
func IsDelimiter(b byte) bool {
	switch b {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// AppendString appends s as encoding/json writes a string with HTML
// escaping off (an Encoder after SetEscapeHTML(false)): hubwire's one
// string quoter, for event data and for replayed events alike. '<', '>'
// and '&' are written as they are: JSON does not require them escaped,
// and escaping them grows a body of them 6 times, past the broker's
// limit. ASCII is escaped here in one pass; a string with bytes outside
// ASCII (which encoding/json checks for valid UTF-8 and for U+2028 and
// U+2029) is left to encoding/json.
func AppendString[S ~string | ~[]byte](out []byte, s S) []byte {
	return appendString(out, s, false)
}

// AppendStringHTML is AppendString escaping '<', '>' and '&' as
// json.Marshal does: for text whose bytes must stay what earlier versions
// made (the canonical form DTR's event ids are hashed from).
func AppendStringHTML[S ~string | ~[]byte](out []byte, s S) []byte {
	return appendString(out, s, true)
}

func appendString[S ~string | ~[]byte](out []byte, s S, html bool) []byte {
	mark := len(out)
	out = append(out, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !escapes[c] && !(html && htmlBytes[c]) {
			continue
		}
		if c >= 0x80 {
			return append(out[:mark], marshalString(string(s), html)...)
		}
		out = append(out, s[start:i]...)
		switch c {
		case '"', '\\':
			out = append(out, '\\', c)
		case '\b':
			out = append(out, '\\', 'b')
		case '\f':
			out = append(out, '\\', 'f')
		case '\n':
			out = append(out, '\\', 'n')
		case '\r':
			out = append(out, '\\', 'r')
		case '\t':
			out = append(out, '\\', 't')
		default: // other control bytes, and < > & when escaping for HTML
			out = append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		start = i + 1
	}
	out = append(out, s[start:]...)
	return append(out, '"')
}

// marshalString is s quoted by encoding/json, escaping for HTML or not.
func marshalString(s string, html bool) []byte {
	if html {
		quoted, _ := json.Marshal(s)
		return quoted
	}
	quoted, _ := Marshal(s)
	return quoted
}

// escapes marks the bytes AppendString does not copy as they are;
// htmlBytes those AppendStringHTML escapes as well.
var escapes = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c < 0x20 || c >= 0x80 || c == '"' || c == '\\'
	}
	return t
}()

var htmlBytes = [256]bool{'<': true, '>': true, '&': true}

// AppendCompact appends the valid JSON text v without insignificant
// space: what an Encoder with SetEscapeHTML(false) writes for a
// json.RawMessage, without checking v again. The text of strings stays as
// sent ('<', '>' and '&' included: see AppendString).
func AppendCompact(out, v []byte) []byte {
	start := 0
	inString := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !compactTouches[c] {
			continue
		}
		if inString {
			switch c {
			case '\\':
				i++ // the escaped byte cannot end the string
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case ' ', '\t', '\n', '\r':
			out = append(out, v[start:i]...)
			start = i + 1
		}
	}
	return append(out, v[start:]...)
}

// compactTouches marks the bytes AppendCompact may act on; it passes the
// others over without a look at where it is.
var compactTouches = [256]bool{'"': true, '\\': true, ' ': true, '\t': true, '\n': true, '\r': true}

const hexDigits = "0123456789abcdef"
