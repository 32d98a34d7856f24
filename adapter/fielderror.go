package adapter

import (
	"errors"
	"fmt"

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

// Errorf returns a *FieldError for field.
func Errorf(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
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
