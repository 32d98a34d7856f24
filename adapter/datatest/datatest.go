// Package datatest holds the registries' data encoders to json.Marshal,
// for their tests and fuzz targets.
package datatest

import (
	"encoding/json"
	"testing"

	"github.com/hubwire/hubwire/adapter"
)

// SameAsMarshal fails t for each of values whose AppendJSON is not, byte
// for byte, what json.Marshal writes of it.
func SameAsMarshal[T adapter.DataAppender](t testing.TB, values []T) {
	t.Helper()
	for _, v := range values {
		want, werr := json.Marshal(v)
		got, err := v.AppendJSON(nil)
		if string(got) != string(want) || err != nil || werr != nil {
			t.Errorf("AppendJSON(%+v)\n got %s (%v)\nwant %s (%v)", v, got, err, want, werr)
		}
	}
}
