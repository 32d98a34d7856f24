// Package rawjson is hubwire's hand-written JSON toolkit: it decodes a
// delivery once, splits its members from the text, and writes JSON as
// encoding/json does without reflection. The registries' decoders use it
// through package adapter and directly; nothing outside the module can.
package rawjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/hubwire/hubwire/internal/excerpt"
)

// Error is a body that cannot be decoded: the field at fault (its JSON
// path, empty for the body as a whole) and what is wrong with it, in
// words for a person.
type Error struct {
	Field   string
	Problem string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Problem
	}
	return e.Field + ": " + e.Problem
}

// Decode unmarshals a delivery body into v and returns its top-level
// members, answering every failure with an *Error that names the field
// and what was expected of it. The body must be a JSON object, in UTF-8,
// with no key given twice in one object; keys are matched exactly (see
// Unmarshal).
func Decode(body []byte, v any) (Object, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return Object{}, &Error{Problem: "body is empty; expected a JSON object"}
	}
	if err := checkUTF8(body); err != nil {
		return Object{}, err
	}
	if err := checkShape(body); err != nil {
		return Object{}, err
	}
	// Unmarshal checks the whole text before it decodes any of it, so
	// that the members can be split from text known to be valid; it
	// matches keys exactly and refuses a key given twice.
	if err := Unmarshal(body, v); err != nil {
		return Object{}, jsonError(err)
	}
	if trimmed[0] != '{' {
		var kind string
		switch trimmed[0] {
		case 'n':
			kind = "null"
		case '[':
			kind = "array"
		case '"':
			kind = "string"
		case 't', 'f':
			kind = "bool"
		default:
			kind = "number"
		}
		return Object{}, &Error{Problem: "body must be a JSON object, not " + kind}
	}
	return splitObject(body), nil
}

func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return &Error{Problem: fmt.Sprintf("body is not valid JSON: %s (at byte %d)", syntax.Error(), syntax.Offset)}
	case errors.As(err, &typ):
		if typ.Field == "" {
			return &Error{Problem: fmt.Sprintf("body must be a JSON object, not %s", typ.Value)}
		}
		return &Error{Field: typ.Field, Problem: fmt.Sprintf("must be %s, not %s", describe(typ.Type.Kind().String()), excerpt.Text(typ.Value, excerpt.Max))}
	case errors.As(err, new(*Error)):
		return err
	default:
		return &Error{Problem: "body is not valid JSON: " + err.Error()}
	}
}

func describe(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "map", "struct":
		return "an object"
	case "int", "int64", "float64", "uint64":
		return "a number"
	}
	return "a " + kind
}

// isNumber reports whether s is a JSON number literal (no NaN, no hex).
func isNumber(s string) bool {
	if s == "" || !(s[0] == '-' || s[0] >= '0' && s[0] <= '9') {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil && json.Valid([]byte(s))
}

// Float returns n's value; 0 when n is empty.
func (n Number) Float() float64 {
	f, _ := strconv.ParseFloat(string(n), 64)
	return f
}

// Text is a JSON string that some senders write as a number (a version
// "3" or 3). It keeps the text as sent.
type Text string

// UnmarshalJSON accepts a string, a number, or null.
func (t *Text) UnmarshalJSON(b []byte) error {
	s := string(b)
	switch {
	case s == "null":
		return nil
	case strings.HasPrefix(s, `"`):
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	case !isNumber(s):
		return &json.UnmarshalTypeError{Value: s, Type: reflect.TypeFor[string]()}
	}
	*t = Text(s)
	return nil
}

// Number is a JSON number that registries sometimes send as a string
// (Docker Hub's legacy comment_count "0") or in exponent form (its legacy
// pushed_at 1.417566161e+09). It keeps the text as sent.
type Number string

// UnmarshalJSON accepts a number, a string holding a number, or null.
func (n *Number) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
	}
	if !isNumber(s) {
		// An UnmarshalTypeError gets the field's path filled in by
		// encoding/json; any other error would lose it.
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[float64]()}
	}
	*n = Number(s)
	return nil
}
