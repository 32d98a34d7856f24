package rawjson

import (
	"bytes"
	"encoding/json"
	"slices"
	"unicode/utf8"
)

// Scan checks in one pass what Decode checks of a body before it decodes
// anything, and returns its top-level members in the order sent: the body
// is one JSON object, valid as encoding/json reads JSON, in UTF-8, within
// MaxJSONDepth and MaxJSONValues, with no key twice in one object at any
// depth. It is the start of a decoder written by hand for the deliveries
// that make most of the traffic: where json.Unmarshal, the duplicate walk,
// the UTF-8 and shape checks and the split into members each read the
// whole text, Scan reads it once and allocates nothing for a body of
// small objects.
//
// ok is false for any body Scan does not vouch for: one that is not
// valid, or one with a key that holds an escape (whose decoded value the
// duplicate check would need). The caller then takes Decode's way, which
// says what is wrong or decodes the body as before, so that a body is
// answered the same either way.
func Scan(body []byte, into []Member) (top Object, ok bool) {
	if !utf8.Valid(body) {
		return Object{}, false
	}
	s := scanner{in: body, top: into}
	s.space()
	if s.pos >= len(s.in) || s.in[s.pos] != '{' {
		return Object{}, false
	}
	s.spaced = false
	if !s.object(1) {
		return Object{}, false
	}
	compact := !s.spaced
	s.space()
	if s.pos != len(s.in) {
		return Object{}, false
	}
	return Object{members: s.top, compact: compact}, true
}

// scanner is Scan's state: where it is, the members of the top-level
// object, and the keys of the objects it is inside, for the duplicate check.
type scanner struct {
	in     []byte
	pos    int
	commas int
	top    []Member
	keys   [][]byte
	// spaced says the object holds insignificant space: its members'
	// values must be compacted for the payload.
	spaced bool
}

func (s *scanner) space() {
	for s.pos < len(s.in) {
		switch s.in[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
			s.spaced = true
		default:
			return
		}
	}
}

// value reads the value at s.pos, at nesting depth depth once it opens.
func (s *scanner) value(depth int) bool {
	if s.pos >= len(s.in) {
		return false
	}
	switch c := s.in[s.pos]; {
	case c == '{':
		return s.object(depth)
	case c == '[':
		return s.array(depth)
	case c == '"':
		_, ok := s.str()
		return ok
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	default:
		return s.number()
	}
}

func (s *scanner) literal(lit string) bool {
	if !bytes.HasPrefix(s.in[s.pos:], []byte(lit)) {
		return false
	}
	s.pos += len(lit)
	return true
}

// object reads the object at s.pos.
func (s *scanner) object(depth int) bool {
	if depth > MaxJSONDepth {
		return false
	}
	s.pos++ // {
	mark := len(s.keys)
	defer func() { s.keys = s.keys[:mark] }()
	var seen map[string]struct{}
	s.space()
	if s.pos < len(s.in) && s.in[s.pos] == '}' {
		s.pos++
		return true
	}
	for {
		s.space()
		if s.pos >= len(s.in) || s.in[s.pos] != '"' {
			return false
		}
		key, ok := s.str()
		if !ok || bytes.IndexByte(key, '\\') >= 0 {
			return false
		}
		// A handful of keys are compared one by one; more go in a set,
		// so that a wide object costs no more than its size.
		if seen != nil {
			if _, dup := seen[string(key)]; dup {
				return false
			}
			seen[string(key)] = struct{}{}
		} else {
			for _, k := range s.keys[mark:] {
				if bytes.Equal(k, key) {
					return false
				}
			}
			s.keys = append(s.keys, key)
			if len(s.keys)-mark > 16 {
				seen = make(map[string]struct{}, 64)
				for _, k := range s.keys[mark:] {
					seen[string(k)] = struct{}{}
				}
			}
		}
		s.space()
		if s.pos >= len(s.in) || s.in[s.pos] != ':' {
			return false
		}
		s.pos++
		s.space()
		start := s.pos
		if !s.value(depth + 1) {
			return false
		}
		if depth == 1 {
			s.top = append(s.top, Member{Key: key, Value: s.in[start:s.pos]})
		}
		if end, ok := s.after('}'); !ok || end {
			return ok
		}
	}
}

func (s *scanner) array(depth int) bool {
	if depth > MaxJSONDepth {
		return false
	}
	s.pos++ // [
	s.space()
	if s.pos < len(s.in) && s.in[s.pos] == ']' {
		s.pos++
		return true
	}
	for {
		s.space()
		if !s.value(depth + 1) {
			return false
		}
		if end, ok := s.after(']'); !ok || end {
			return ok
		}
	}
}

// after reads what follows a member or an element: closer, which ends
// the object or array (end), or a comma before the next; ok is false for
// anything else, or for one comma too many.
func (s *scanner) after(closer byte) (end, ok bool) {
	s.space()
	if s.pos >= len(s.in) {
		return false, false
	}
	switch s.in[s.pos] {
	case closer:
		s.pos++
		return true, true
	case ',':
		s.pos++
		s.commas++
		return false, s.commas <= MaxJSONValues
	}
	return false, false
}

// str reads the string at s.pos and returns its text between the quotes,
// escapes undecoded.
func (s *scanner) str() ([]byte, bool) {
	s.pos++ // "
	start := s.pos
	for s.pos < len(s.in) {
		c := s.in[s.pos]
		if !strTouches[c] {
			s.pos++
			continue
		}
		switch {
		case c == '"':
			s.pos++
			return s.in[start : s.pos-1], true
		case c < 0x20:
			return nil, false
		}
		// A backslash.
		if s.pos+1 >= len(s.in) {
			return nil, false
		}
		switch s.in[s.pos+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			s.pos += 2
		case 'u':
			if s.pos+6 > len(s.in) {
				return nil, false
			}
			for _, h := range s.in[s.pos+2 : s.pos+6] {
				if !isHex(h) {
					return nil, false
				}
			}
			s.pos += 6
		default:
			return nil, false
		}
	}
	return nil, false
}

// strTouches marks the bytes that end a string, start an escape, or may
// not stand in one.
var strTouches = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number reads a number as JSON writes it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() bool {
	in, p := s.in, s.pos
	if p < len(in) && in[p] == '-' {
		p++
	}
	switch {
	case p < len(in) && in[p] == '0':
		p++
	case p < len(in) && in[p] >= '1' && in[p] <= '9':
		for p < len(in) && isDigit(in[p]) {
			p++
		}
	default:
		return false
	}
	if p < len(in) && in[p] == '.' {
		p++
		if p >= len(in) || !isDigit(in[p]) {
			return false
		}
		for p < len(in) && isDigit(in[p]) {
			p++
		}
	}
	if p < len(in) && (in[p] == 'e' || in[p] == 'E') {
		p++
		if p < len(in) && (in[p] == '+' || in[p] == '-') {
			p++
		}
		if p >= len(in) || !isDigit(in[p]) {
			return false
		}
		for p < len(in) && isDigit(in[p]) {
			p++
		}
	}
	s.pos = p
	return true
}

// ObjectMembers returns the members of v, an object in text Scan vouched
// for, in the order sent (Scan refused any key given twice).
func ObjectMembers(v []byte, into []Member) []Member {
	r := JSONReader{In: v}
	r.Pos++ // {
	for {
		r.SkipSpace()
		switch r.In[r.Pos] {
		case '}':
			return into
		case ',':
			r.Pos++
			r.SkipSpace()
		}
		r.Pos++ // "
		start := r.Pos
		for r.In[r.Pos] != '"' {
			r.Pos++ // Scan refused keys with escapes
		}
		key := r.In[start:r.Pos]
		r.Pos++
		r.SkipSpace()
		r.Pos++ // :
		r.SkipSpace()
		at := r.Pos
		r.Skip()
		into = append(into, Member{Key: key, Value: r.In[at:r.Pos]})
	}
}

// ReadObject calls field with each member of v, a value Scan vouched for
// that is decoded into a struct: nothing for null; false for anything but
// an object (encoding/json refuses it), or where field says false.
func ReadObject(v []byte, field func(key string, value []byte) bool) bool {
	switch v[0] {
	case 'n':
		return true
	case '{':
	default:
		return false
	}
	var stack [16]Member
	for _, m := range ObjectMembers(v, stack[:0]) {
		if !field(string(m.Key), m.Value) {
			return false
		}
	}
	return true
}

// ReadPtr reads v, a value Scan vouched for, into a new T by read, as
// encoding/json decodes into a *T: nil for null, false for anything but an
// object or null, or where read says false.
func ReadPtr[T any](v []byte, read func(t *T, key string, value []byte) bool) (*T, bool) {
	if v[0] == 'n' {
		return nil, true
	}
	t := new(T)
	if !ReadObject(v, func(k string, v []byte) bool { return read(t, k, v) }) {
		return nil, false
	}
	return t, true
}

// Members are o's members in the order sent, as Scan found them (Decode's
// Object holds none: it sorts them as it reads them).
func (o Object) Members() []Member { return o.members }

// Sorted is o as Decode returns it for the same body: its members sorted
// by key, as Payload and Get read them. It sorts the members in place.
func (o Object) Sorted() Object {
	slices.SortFunc(o.members, func(a, b Member) int { return bytes.Compare(a.Key, b.Key) })
	return o
}

// StringValue is what encoding/json decodes the valid JSON value v to in
// a string field: the string, "" for null; ok is false for a value of any
// other kind, which encoding/json refuses.
func StringValue(v []byte) (string, bool) {
	switch v[0] {
	case 'n':
		return "", true
	case '"':
		if bytes.IndexByte(v, '\\') < 0 {
			return string(v[1 : len(v)-1]), true
		}
		var s string
		return s, json.Unmarshal(v, &s) == nil
	}
	return "", false
}

// IsNull reports whether the valid JSON value v is null.
func IsNull(v []byte) bool { return v[0] == 'n' }

// IsObject reports whether the valid JSON value v is an object.
func IsObject(v []byte) bool { return v[0] == '{' }

// ArrayElements appends the elements of v, an array in text Scan vouched
// for, to into, each its text as sent: what encoding/json decodes into a
// []json.RawMessage (an empty array to an empty slice).
func ArrayElements(v []byte, into []json.RawMessage) []json.RawMessage {
	r := JSONReader{In: v}
	r.Pos++ // [
	for {
		r.SkipSpace()
		switch r.In[r.Pos] {
		case ']':
			return into
		case ',':
			r.Pos++
			r.SkipSpace()
		}
		at := r.Pos
		r.Skip()
		into = append(into, v[at:r.Pos:r.Pos])
	}
}
