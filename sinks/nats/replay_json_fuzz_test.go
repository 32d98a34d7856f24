package nats

import (
	"encoding/json"
	"testing"
)

// FuzzJSONValue holds replay's JSON check (fastjson's, for speed) to
// encoding/json's answer: a value it takes is written into the line as it
// is, so one encoding/json refuses would make a line no reader can parse.
func FuzzJSONValue(f *testing.F) {
	for _, s := range []string{`"\xff"`, ` {"a":1} `, `NaN`, `1e999`, "\"a\tb\"", `{"a":1,"a":2}`, `[1,]`, `01`, `-`, `"\u00"`,
		`{"a":"\ud800"}`, "\"\x00\"", `1.`, `.5`, `+1`, `[]`, ``, ` `, `nul`, `truex`, "{\"a\" : 1,\n\"b\":[true,null]}", "\"\x7f\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out, ok := appendJSONValue(nil, b)
		if ok != json.Valid(b) {
			t.Fatalf("%q: taken %v, encoding/json says valid %v", b, ok, json.Valid(b))
		}
		if ok && !json.Valid(out) {
			t.Fatalf("%q written as %q, not JSON", b, out)
		}
	})
}
