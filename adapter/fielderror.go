package adapter

import "fmt"

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
