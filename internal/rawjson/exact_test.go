package rawjson_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/hubwire/hubwire/internal/rawjson"
)

// TestDuplicateKeysRefused: a key given twice in one object, at any
// depth and however it is escaped, is refused with its path named.
func TestDuplicateKeysRefused(t *testing.T) {
	type inner struct {
		Repository string `json:"repository"`
	}
	var v struct {
		Type     string `json:"type"`
		Contents inner  `json:"contents"`
	}
	for body, field := range map[string]string{
		`{"type":"A","type":"B"}`:                                     "type",
		`{"type":"A","contents":{"repository":"a","repository":"b"}}`: "contents.repository",
		`{"contents":{"repository":"a","repos\u0069tory":"b"}}`:       "contents.repository",
		`{"x":[1,{"y":[{"z":1,"z":2}]}]}`:                             "x[1].y[0].z",
		`{"m":{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k1":0}}`: "m.k1",
	} {
		_, err := rawjson.Decode([]byte(body), &v)
		var re *rawjson.Error
		if !errors.As(err, &re) || re.Field != field || !strings.Contains(re.Problem, "appears twice") {
			t.Errorf("Decode(%s) = %v, want %s refused as given twice", body, err, field)
		}
	}
	// The same key in different objects is no duplicate.
	if _, err := rawjson.Decode([]byte(`{"a":{"k":1},"b":{"k":1},"c":[{"k":1},{"k":2}]}`), new(json.RawMessage)); err != nil {
		t.Errorf("distinct objects: %v", err)
	}
}

// TestKeysMatchedExactly: a key that differs from a field's name only
// in case fills no field (encoding/json would take it for the field).
func TestKeysMatchedExactly(t *testing.T) {
	type embedded struct {
		Namespace string `json:"namespace"`
	}
	var v struct {
		CallbackURL string `json:"callback_url"`
		Repository  *struct {
			embedded
			RepoName string `json:"repo_name"`
		} `json:"repository"`
		Tags []struct {
			Name string `json:"name"`
		} `json:"tags"`
		Plain string
	}
	body := `{"CALLBACK_URL":"https://evil/","repository":{"Repo_Name":"x/y","repo_name":"a/b","NAMESPACE":"evil"},"tags":[{"NAME":"evil"},{"name":"1"}],"plain":"evil","Plain":"ok"}`
	top, err := rawjson.Decode([]byte(body), &v)
	if err != nil {
		t.Fatal(err)
	}
	if v.CallbackURL != "" || v.Repository.RepoName != "a/b" || v.Repository.Namespace != "" || v.Tags[0].Name != "" || v.Tags[1].Name != "1" || v.Plain != "ok" {
		t.Errorf("decoded %+v %+v", v, v.Repository)
	}
	// Every spelling of a dropped member is left out of the payload.
	if p := string(top.Payload("callback_url")); strings.Contains(strings.ToLower(p), "callback_url") || strings.Contains(p, "evil/") {
		t.Errorf("payload %s", p)
	}
	// Unmarshal, for the parts a decoder reads later, matches the same way.
	var meta struct {
		Ref string `json:"ref"`
	}
	if err := rawjson.Unmarshal([]byte(`{"REF":"evil"}`), &meta); err != nil || meta.Ref != "" {
		t.Errorf("Unmarshal: %+v, %v", meta, err)
	}
}

// TestInvalidUTF8Refused: bytes that are not UTF-8 are refused with
// their offset, in a value or in a key.
func TestInvalidUTF8Refused(t *testing.T) {
	for body, offset := range map[string]string{
		"{\"a\":\"ok é \xff\xfe\"}": "byte offset 12",
		"{\"k\xc3\":1}":             "byte offset 3",
		"{\"a\":\"\xed\xa0\x80\"}":  "byte offset 6", // an encoded surrogate
	} {
		_, err := rawjson.Decode([]byte(body), new(json.RawMessage))
		var re *rawjson.Error
		if !errors.As(err, &re) || !strings.Contains(re.Problem, "not valid UTF-8 at "+offset) {
			t.Errorf("Decode(%q) = %v, want %s", body, err, offset)
		}
	}
}
