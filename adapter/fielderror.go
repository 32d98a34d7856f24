package adapter

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"

	"github.com/hubwire/hubwire/internal/excerpt"

	"github.com/hubwire/hubwire/internal/rawjson"
)

// FieldError reports a delivery that cannot be turned into an event, naming
// the field at fault so that the sender (or whoever configured it) knows
// what to fix. The receiver answers it with 400.
type FieldError struct {
	// Field is the JSON path of the offending field ("repository.repo_name"),
	// empty when the body as a whole is at fault.
	Field string
	// Problem says what is wrong with it, in words for a person.
	Problem string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Problem
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Problem)
}

// Errorf returns a *FieldError for field. A value it quotes (%q) is
// quoted as an excerpt: the answer and the log name a bad value without
// echoing all of it back (a 900 KB field would otherwise give a 900 KB
// answer and log line).
func Errorf(field, format string, args ...any) *FieldError {
	args = slices.Clone(args)
	for i, a := range args {
		if v := reflect.ValueOf(a); v.Kind() == reflect.String && v.Len() > excerpt.Max {
			args[i] = long(v.String())
		}
	}
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// long is a string argument of Errorf too long to quote whole: %q quotes
// its start, the other verbs print it as they would.
type long string

func (l long) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		io.WriteString(f, excerpt.Quote(string(l)))
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), string(l))
}

// DecodeJSON unmarshals a delivery body, which must be a JSON object, into
// v and returns its top-level members as received (for data.payload and
// for ids made from the text as sent). Every failure is a *FieldError.
func DecodeJSON(body []byte, v any) (rawjson.Object, error) {
	top, err := rawjson.Decode(body, v)
	var re *rawjson.Error
	if errors.As(err, &re) {
		return top, &FieldError{Field: re.Field, Problem: re.Problem}
	}
	return top, err
}

// DecodeFast is DecodeJSON(body, v) by fast, a registry's hand-written
// reading of what rawjson.Scan vouched for, when fast says it read body;
// any other body (fast false) goes to DecodeJSON, which answers it as
// before, into v made zero again (fast may have filled part of it).
func DecodeFast[T any](body []byte, v *T, fast func([]byte, *T) (rawjson.Object, bool)) (rawjson.Object, error) {
	if top, ok := fast(body, v); ok {
		return top, nil
	}
	var zero T
	*v = zero
	return DecodeJSON(body, v)
}
