package rawjson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/hubwire/hubwire/internal/excerpt"
)

// Unmarshal is json.Unmarshal with a delivery's keys matched exactly:
// encoding/json takes a member whose key differs from a field's name
// only in case ("CALLBACK_URL") for that field, while ids and
// data.payload use the members spelled exactly, so the two would tell
// different stories (a callback taken from a member that is published).
// Such a member is ignored here, as any member no field names.
//
// A key that appears twice in one object, at any depth, is refused (an
// *Error naming it): encoding/json keeps the last (merging objects), other
// readers the first, and which one counts must not be left to chance.
func Unmarshal(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return err
	}
	w := walker{}
	r := JSONReader{In: data}
	r.SkipSpace()
	if r.Pos >= len(data) {
		return err
	}
	if derr := w.value(&r, reflect.TypeOf(v)); derr != nil {
		return derr
	}
	if len(w.folded) == 0 {
		return err
	}
	// Decode again from a copy in which those keys name nothing.
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return err
	}
	rv.Elem().SetZero()
	return json.Unmarshal(w.unfold(data), v)
}

// checkUTF8 reports the offset of the first byte of body that is not
// UTF-8: encoding/json would replace it, and data.payload, which keeps the
// text as sent, would carry it to consumers that refuse it.
func checkUTF8(body []byte) error {
	if utf8.Valid(body) {
		return nil
	}
	for i := 0; i < len(body); {
		r, n := utf8.DecodeRune(body[i:])
		if r == utf8.RuneError && n == 1 {
			return &Error{Problem: "body is not valid UTF-8 at byte offset " + strconv.Itoa(i) + " (JSON text must be UTF-8)"}
		}
		i += n
	}
	return nil
}

// walker walks valid JSON text beside the Go type it is decoded into.
type walker struct {
	// path is where the walk is, for an error: the offset of each key
	// on the way, or -1-i for the index i of an array element.
	path []int
	// folded are the offsets of keys that match a struct field only when
	// case is ignored.
	folded []int
}

func (w *walker) value(r *JSONReader, t reflect.Type) error {
	t = target(t)
	r.SkipSpace()
	switch r.In[r.Pos] {
	case '{':
		return w.object(r, t)
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		r.Pos++
		for i := 0; ; i++ {
			r.SkipSpace()
			switch r.In[r.Pos] {
			case ']':
				r.Pos++
				return nil
			case ',':
				r.Pos++
				r.SkipSpace()
			}
			w.path = append(w.path, -1-i)
			if err := w.value(r, elem); err != nil {
				return err
			}
			w.path = w.path[:len(w.path)-1]
		}
	}
	r.Skip()
	return nil
}

func (w *walker) object(r *JSONReader, t reflect.Type) error {
	var fields *structFields
	var elem reflect.Type
	if t != nil {
		switch t.Kind() {
		case reflect.Struct:
			fields = fieldsOf(t)
		case reflect.Map:
			elem = t.Elem()
		}
	}
	var seen [][]byte
	var seenMap map[string]struct{}
	r.Pos++ // {
	for {
		r.SkipSpace()
		switch r.In[r.Pos] {
		case '}':
			r.Pos++
			return nil
		case ',':
			r.Pos++
			r.SkipSpace()
		}
		keyAt := r.Pos
		key := r.Str()
		{
			dup := false
			if seenMap != nil {
				_, dup = seenMap[string(key)]
				seenMap[string(key)] = struct{}{}
			} else {
				for _, k := range seen {
					if bytes.Equal(k, key) {
						dup = true
						break
					}
				}
				seen = append(seen, key)
				if len(seen) > 16 {
					seenMap = make(map[string]struct{}, 32)
					for _, k := range seen {
						seenMap[string(k)] = struct{}{}
					}
				}
			}
			if dup {
				return &Error{Field: w.at(r.In, keyAt), Problem: "the key appears twice in one object; name each member once (readers differ on which of the two counts)"}
			}
		}
		r.SkipSpace()
		r.Pos++ // :
		valueType := elem
		if fields != nil {
			if f, ok := fields.exact[string(key)]; ok {
				valueType = f
			} else if fields.folds(key) {
				w.folded = append(w.folded, keyAt)
			}
		}
		w.path = append(w.path, keyAt)
		if err := w.value(r, valueType); err != nil {
			return err
		}
		w.path = w.path[:len(w.path)-1]
	}
}

// at is the JSON path of the key at offset keyAt of in, in the object
// the walk is in.
func (w *walker) at(in []byte, keyAt int) string {
	var b strings.Builder
	for _, p := range append(w.path, keyAt) {
		if p < 0 {
			b.WriteString("[" + strconv.Itoa(-1-p) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		r := JSONReader{In: in, Pos: p}
		b.WriteString(excerpt.Text(string(r.Str()), excerpt.Max))
	}
	return b.String()
}

// unfold is a copy of data with the keys at w.folded replaced by one no
// field is named ("\u0000", which no Go field name folds to).
func (w *walker) unfold(data []byte) []byte {
	out := make([]byte, 0, len(data)+8*len(w.folded))
	start := 0
	for _, at := range w.folded {
		r := JSONReader{In: data, Pos: at}
		r.skipString()
		out = append(out, data[start:at]...)
		out = append(out, `"\u0000"`...)
		start = r.Pos
	}
	return append(out, data[start:]...)
}

var (
	unmarshaler     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// target is the type whose fields a JSON object decoded into t fills: nil
// for an interface, or a type that decodes itself (its own business).
func target(t reflect.Type) reflect.Type {
	for t != nil {
		if t.Implements(unmarshaler) || reflect.PointerTo(t).Implements(unmarshaler) ||
			t.Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
			return nil
		}
		switch t.Kind() {
		case reflect.Pointer:
			t = t.Elem()
		case reflect.Interface:
			return nil
		default:
			return t
		}
	}
	return nil
}

// structFields are the JSON names of a struct's fields, as encoding/json
// sees them (embedded structs' fields promoted), and their types.
type structFields struct {
	exact map[string]reflect.Type
}

// folds reports whether key names a field when case is ignored, as
// encoding/json matches (bytes.EqualFold's folding).
func (f *structFields) folds(key []byte) bool {
	for name := range f.exact {
		if bytes.EqualFold([]byte(name), key) {
			return true
		}
	}
	return false
}

var fieldCache sync.Map // reflect.Type → *structFields

func fieldsOf(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	f := &structFields{exact: map[string]reflect.Type{}}
	addFields(f, t, 0)
	fieldCache.Store(t, f)
	return f
}

func addFields(f *structFields, t reflect.Type, depth int) {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := sf.Type
		if sf.Anonymous && name == "" {
			et := ft
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct && depth < 8 {
				addFields(f, et, depth+1)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if _, taken := f.exact[name]; !taken || depth == 0 {
			f.exact[name] = ft
		}
	}
}
