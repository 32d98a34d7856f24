package dtr

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"testing"
)

// canonicalByMaps is how event ids were made before canonicalJSON walked
// the text: decode into an any with UseNumber, encode again. canonicalJSON
// must give the same bytes, or a delivery retried across an upgrade would
// get a new id and be stored twice.
func canonicalByMaps(raw []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	out, err := json.Marshal(v)
	return string(out), err
}

var canonicalCases = []string{
	`{}`,
	`{"b":1,"a":[true,false,null,{"z":"y","y":"z"}],"c":{"e":1.50,"d":-0}}`,
	` { "a" : 1e+09 , "b" : [ ] , "c" : [ 1 , "x" ] } `,
	`{"dup":1,"other":2,"dup":{"x":3}}`,
	`{"html":"<a href=\"x\">&amp;</a>","ctl":"tab\there\u0001","uni":"é ✓ \u2028 \ud83d\ude80"}`,
	`{"bad utf8":"\ud800 lone","escaped slash":"a\/b","key\u00e9":1,"keyé":2}`,
	"{\"raw invalid\":\"\xff\xfe\",\"del\":\"\x7f\"}",
	`{"Z":1,"a":2,"_":3,"":4}`,
	`{"n":[0,-1,3.14159,1E400,12345678901234567890]}`,
}

func TestCanonicalJSONAsBefore(t *testing.T) {
	cases := canonicalCases
	fs.WalkDir(Samples, "samples", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			body, _ := Samples.ReadFile(path)
			var top map[string]json.RawMessage
			json.Unmarshal(body, &top)
			cases = append(cases, string(top["contents"]))
		}
		return nil
	})
	for _, in := range cases {
		want, err := canonicalByMaps([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got := canonicalJSON([]byte(in)); got != want {
			t.Errorf("canonicalJSON(%s)\n got %s\nwant %s", in, got, want)
		}
	}
}

func FuzzCanonicalJSON(f *testing.F) {
	for _, c := range canonicalCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		// The decoder hands it only text it found valid.
		if !json.Valid(in) {
			return
		}
		want, werr := canonicalByMaps(in)
		if got := canonicalJSON(in); werr != nil || got != want {
			t.Fatalf("canonicalJSON(%q) = %q; encoding/json says %q, %v", in, got, want, werr)
		}
	})
}

func BenchmarkCanonicalJSON(b *testing.B) {
	body, _ := Samples.ReadFile("samples/tag-pull.json")
	var top map[string]json.RawMessage
	json.Unmarshal(body, &top)
	b.Run("walk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			canonicalJSON(top["contents"])
		}
	})
	b.Run("maps", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			canonicalByMaps(top["contents"])
		}
	})
}

// FuzzCanonicalJSONStrings puts the fuzzer's strings where keys and values
// go, so that most inputs are valid JSON and their escapes get exercised.
func FuzzCanonicalJSONStrings(f *testing.F) {
	f.Add("a", `\u00e9<&>`)
	f.Add(`\ud800`, "\xff\t")
	f.Fuzz(func(t *testing.T, a, b string) {
		in := []byte(`{"` + a + `":"` + b + `" , "` + b + `":[1,{"` + a + `":null, "` + a + `":"` + b + `"}],"z":{}}`)
		if !json.Valid(in) {
			return
		}
		want, werr := canonicalByMaps(in)
		if got := canonicalJSON(in); werr != nil || got != want {
			t.Fatalf("canonicalJSON(%q) = %q; encoding/json says %q, %v", in, got, want, werr)
		}
	})
}
