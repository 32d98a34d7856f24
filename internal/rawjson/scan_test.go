package rawjson_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/hubwire/hubwire/internal/rawjson"
)

// scanCases are bodies Scan must judge as Decode does.
var scanCases = append([]string{
	`{"a":{"k":1},"b":{"k":1},"c":[{"k":1},{"k":2}]}`,
	`{"a":1,"a":2}`,
	`{"x":[1,{"y":[{"z":1,"z":2}]}]}`,
	`{"m":{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k1":0}}`,
	`{"m":{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k18":0}}`,
	`{"a\u0062":1,"ab":2}`,
	"{\"é\":1,\"e\":2}",
	"{\"a\":\"\xff\"}",
	`{"a":` + strings.Repeat("[", rawjson.MaxJSONDepth-1) + strings.Repeat("]", rawjson.MaxJSONDepth-1) + "}",
	`{"a":` + strings.Repeat("[", rawjson.MaxJSONDepth) + strings.Repeat("]", rawjson.MaxJSONDepth) + "}",
	`{"a":[` + strings.Repeat("0,", rawjson.MaxJSONValues+1) + "0]}",
	`{"a":[` + strings.Repeat("0,", rawjson.MaxJSONValues-2) + "0]}",
	`{"n":[-0,0.5,1e5,1E+5,-1.5e-3,12345678901234567890]}`,
	`{"n":-}`, `{"n":01}`, `{"n":1.}`, `{"n":.5}`, `{"n":1e}`, `{"n":+1}`,
	`{"t":true,"f":false,"z":null}`, `{"t":tru}`, `{"t":nul}`,
	`{"s":"\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE80"}`, `{"s":"\x"}`, `{"s":"\u12"}`, "{\"s\":\"\t\"}",
	"\v{}", "{}\f", " {} ", "{} {}", "{", "}", `{"a":1`, `{"a":}`, `{"a"}`, `{1:2}`,
}, payloadCases...)

// TestScanAsDecode: wherever Scan vouches for a body, Decode accepts it
// and returns the same members; wherever Decode accepts a body with no
// escape in it, Scan vouches for it.
func TestScanAsDecode(t *testing.T) {
	for _, body := range scanCases {
		sameAsDecode(t, []byte(body))
	}
}

func FuzzScan(f *testing.F) {
	for _, body := range scanCases {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		sameAsDecode(t, body)
	})
}

func sameAsDecode(t *testing.T, body []byte) {
	t.Helper()
	scanned, ok := rawjson.Scan(body, nil)
	members := scanned.Members()
	top, err := rawjson.Decode(body, new(json.RawMessage))
	switch {
	case ok && err != nil:
		t.Fatalf("Scan vouched for %.80q, which Decode refuses: %v", body, err)
	case !ok && err == nil && !bytes.Contains(body, []byte(`\`)):
		t.Fatalf("Scan did not vouch for %.80q, which Decode accepts", body)
	case ok:
		obj := scanned.Sorted()
		for _, drop := range [][]string{nil, {"callback_url"}} {
			if got, want := obj.Payload(drop...), top.Payload(drop...); !bytes.Equal(got, want) {
				t.Fatalf("payload of %.80q: %s, want %s", body, got, want)
			}
		}
		var m map[string]json.RawMessage
		json.Unmarshal(body, &m)
		if len(m) != len(members) {
			t.Fatalf("Scan found %d members in %.80q, encoding/json %d", len(members), body, len(m))
		}
		for _, mem := range members {
			if got, want := obj.Get(string(mem.Key)), top.Get(string(mem.Key)); !bytes.Equal(got, want) || !bytes.Equal(got, m[string(mem.Key)]) {
				t.Fatalf("member %q of %.80q: %s, want %s", mem.Key, body, got, want)
			}
		}
	}
}

// TestStringValue: what encoding/json decodes into a string field.
func TestStringValue(t *testing.T) {
	for _, v := range []string{`"plain"`, `"é <&>"`, `"a\"b\\c\u00e9\ud800"`, `null`, `""`, `1`, `true`, `{}`, `[]`} {
		var want struct{ S string }
		werr := json.Unmarshal([]byte(`{"S":`+v+`}`), &want)
		got, ok := rawjson.StringValue([]byte(v))
		if ok != (werr == nil) || ok && got != want.S {
			t.Errorf("StringValue(%s) = %q, %v; encoding/json: %q, %v", v, got, ok, want.S, werr)
		}
	}
}

// TestObjectMembers: the members of a nested object, in the order sent.
func TestObjectMembers(t *testing.T) {
	v := []byte(`{ "b" : [1, {"x":"}"}] , "a":"\"}", "c" :{} }`)
	got := rawjson.ObjectMembers(v, nil)
	want := []rawjson.Member{{Key: []byte("b"), Value: []byte(`[1, {"x":"}"}]`)}, {Key: []byte("a"), Value: []byte(`"\"}"`)}, {Key: []byte("c"), Value: []byte(`{}`)}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ObjectMembers = %q", got)
	}
}
