package rawjson

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestShapeLimits(t *testing.T) {
	// A delivery is an object: its member a counts as one level.
	deep := `{"a":` + strings.Repeat("[", MaxJSONDepth) + strings.Repeat("]", MaxJSONDepth) + "}"
	ok := `{"a":` + strings.Repeat("[", MaxJSONDepth-1) + strings.Repeat("]", MaxJSONDepth-1) + "}"
	wide := `{"a":[` + strings.Repeat("0,", MaxJSONValues+1) + "0]}"
	// Brackets and commas inside strings, escaped quotes included, do not count.
	quoted := `{"a":"` + strings.Repeat(`[\",`, MaxJSONDepth*2) + `"}`
	for body, says := range map[string]string{
		deep:   "nests deeper than 64 levels",
		wide:   "more than 100000 values",
		ok:     "",
		quoted: "",
	} {
		var v any
		_, err := Decode([]byte(body), &v)
		var fe *Error
		if says == "" {
			if err != nil {
				t.Errorf("%.40q refused: %v", body, err)
			}
			continue
		}
		if !errors.As(err, &fe) || !strings.Contains(fe.Problem, says) {
			t.Errorf("%.40q: got %v, want %q", body, err, says)
		}
	}
	if !json.Valid([]byte(quoted)) {
		t.Fatal("test body is not JSON")
	}
}
