package rawjson_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/hubwire/hubwire/adapter/dockerhub"
	"github.com/hubwire/hubwire/adapter/dtr"
	"github.com/hubwire/hubwire/internal/rawjson"
)

// payloadByMaps is how data.payload was made before Object.Payload wrote
// it from the text: decode into a map of raw members, delete the dropped
// ones, encode again (without HTML escaping since issue 16.7). Payload
// must give the same bytes: consumers and the schemas have seen that form
// since the first version.
func payloadByMaps(body []byte, drop ...string) (string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return "", err
	}
	for _, k := range drop {
		delete(top, k)
	}
	return string(marshalNoHTML(top)), nil
}

var payloadCases = []string{
	`{}`,
	` { } `,
	`{"b" : 1 , "a" : [ true , false , null , { "z" : "y" } ] , "c":{"e":1.50,"d":-0}}`,
	`{"dup":1,"other":2,"Dup":{"x":3},"callback_url":"https://x/"}`,
	`{"html":"<a href=\"x\">&amp;</a>","ctl":"tab\there\u0001","uni":"é ✓ ` + "\u2028 \u2029" + ` \ud83d\ude80"}`,
	`{"bad utf8":"\ud800 lone","escaped slash":"a\/b","key\u00e9":1,"kéy":2,"k<>&":"v"}`,
	"{\"del\":\"\x7f\"}",
	`{"Z":1,"a":2,"_":3,"":4,"s":"a\\\"b\\","t":"\\"}`,
	`{"n":[0,-1,3.14159,1E400,12345678901234567890],"pushed_at":1.417566161e+09}`,
	"{\"spaces\":\"  in\\tside \",\n\t\"after\" :\r\n [ 1 ,\n2 ] }",
	`{"callback_url":null}`,
}

func TestPayloadAsBefore(t *testing.T) {
	cases := payloadCases
	for _, samples := range []fs.FS{dtr.Samples, dockerhub.Samples} {
		fs.WalkDir(samples, ".", func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") {
				body, _ := fs.ReadFile(samples, path)
				cases = append(cases, string(body))
			}
			return nil
		})
	}
	if len(cases) < len(payloadCases)+10 {
		t.Fatalf("found only %d samples", len(cases)-len(payloadCases))
	}
	for _, in := range cases {
		for _, drop := range [][]string{nil, {"callback_url"}} {
			want, err := payloadByMaps([]byte(in), drop...)
			if err != nil {
				t.Fatalf("%s: %v", in, err)
			}
			var v json.RawMessage
			top, err := rawjson.Decode([]byte(in), &v)
			if err != nil {
				t.Fatalf("DecodeJSON(%s): %v", in, err)
			}
			if got := string(top.Payload(drop...)); got != want {
				t.Errorf("Payload(%q) of %s\n got %s\nwant %s", drop, in, got, want)
			}
		}
	}
}

func TestObjectGet(t *testing.T) {
	var v json.RawMessage
	top, err := rawjson.Decode([]byte(`{"A":1,"contents" : {"x": [1, 2]} ,"a":"last","\u0062":true}`), &v)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"a": `"last"`, "contents": `{"x": [1, 2]}`, "b": "true", "missing": ""} {
		if got := string(top.Get(key)); got != want {
			t.Errorf("Get(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestDecodeJSONWantsAnObject(t *testing.T) {
	for body, says := range map[string]string{
		"null":             "body must be a JSON object, not null",
		" [1,2] ":          "body must be a JSON object, not array",
		`"x"`:              "body must be a JSON object, not string",
		"true":             "body must be a JSON object, not bool",
		"-1.5":             "body must be a JSON object, not number",
		"  ":               "body is empty; expected a JSON object",
		`{"a":1`:           "body is not valid JSON",
		`{"a":1}x`:         "body is not valid JSON",
		`{"a":01}`:         "body is not valid JSON",
		"{\"a\":\"\x01\"}": "body is not valid JSON",
	} {
		var v json.RawMessage
		_, err := rawjson.Decode([]byte(body), &v)
		var fe *rawjson.Error
		if !errors.As(err, &fe) || !strings.Contains(fe.Problem, says) {
			t.Errorf("DecodeJSON(%q) = %v, want %q", body, err, says)
		}
	}
}

func FuzzPayload(f *testing.F) {
	for _, c := range payloadCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var v json.RawMessage
		top, err := rawjson.Decode(in, &v)
		if err != nil {
			return
		}
		for _, drop := range [][]string{nil, {"callback_url"}} {
			want, werr := payloadByMaps(in, drop...)
			if got := string(top.Payload(drop...)); werr != nil || got != want {
				t.Fatalf("Payload(%q) of %q = %q; encoding/json says %q, %v", drop, in, got, want, werr)
			}
		}
		// Every member is there, with the value encoding/json sees.
		var m map[string]json.RawMessage
		json.Unmarshal(in, &m)
		for k, raw := range m {
			if got := top.Get(k); string(got) != string(raw) {
				t.Fatalf("Get(%q) of %q = %q, want %q", k, in, got, raw)
			}
		}
	})
}

// FuzzPayloadStrings puts the fuzzer's strings where keys and values go,
// so that most inputs are valid JSON and their escapes get exercised.
func FuzzPayloadStrings(f *testing.F) {
	f.Add("a", `\u00e9<&>`)
	f.Add(`\ud800`, "\xff\t\u2028")
	f.Fuzz(func(t *testing.T, a, b string) {
		in := []byte(`{"` + a + `":"` + b + `" , "` + b + `":[1,{"` + a + `":null, "` + a + `":"` + b + `"}],"callback_url":"` + a + `"}`)
		if !json.Valid(in) {
			return
		}
		for _, drop := range [][]string{nil, {"callback_url"}} {
			want, werr := payloadByMaps(in, drop...)
			var v json.RawMessage
			top, err := rawjson.Decode(in, &v)
			if err != nil && strings.Contains(err.Error(), "appears twice") {
				return // a and b the same: refused
			}
			if err != nil || werr != nil {
				t.Fatalf("%q: %v, %v", in, err, werr)
			}
			if got := string(top.Payload(drop...)); got != want {
				t.Fatalf("Payload(%q) of %q = %q; encoding/json says %q", drop, in, got, want)
			}
		}
	})
}
