package rawjson_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hubwire/hubwire/internal/rawjson"
)

// FuzzAppendString holds the one string quoter to encoding/json with HTML
// escaping off, byte for byte, for strings and byte slices, after text
// already in the buffer; AppendStringHTML to json.Marshal.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `"quoted" \back\`, "\b\f\n\r\t\x00\x1f\x7f", "<a href='x'>&amp;</a>", "é ✓ \u2028\u2029", "\xff\xfe bad", "\U0001F680", "ctl\x01 then é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := marshalNoHTML(s)
		if html, _ := json.Marshal(s); string(rawjson.AppendStringHTML(nil, s)) != string(html) {
			t.Fatalf("AppendStringHTML(%q) = %s; json.Marshal writes %s", s, rawjson.AppendStringHTML(nil, s), html)
		}
		if got := rawjson.AppendString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Fatalf("AppendString(%q) = %s; encoding/json writes %s", s, got[1:], want)
		}
		if got := rawjson.AppendString(nil, []byte(s)); string(got) != string(want) {
			t.Fatalf("AppendString([]byte(%q)) = %s; encoding/json writes %s", s, got, want)
		}
	})
}

// marshalNoHTML is what an Encoder with SetEscapeHTML(false) writes of v.
func marshalNoHTML(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// TestNoHTMLEscaping: a body of '<' is published at its own size, not 6
// times it (issue 16.7).
func TestNoHTMLEscaping(t *testing.T) {
	s := strings.Repeat("<&>", 1000)
	if got := rawjson.AppendString(nil, s); len(got) != len(s)+2 {
		t.Errorf("AppendString grew %d bytes to %d", len(s), len(got))
	}
	var v json.RawMessage
	top, err := rawjson.Decode([]byte(`{"a":"`+s+`"}`), &v)
	if err != nil {
		t.Fatal(err)
	}
	if got := top.Payload(); len(got) != len(s)+8 {
		t.Errorf("Payload grew %d bytes to %d", len(s)+8, len(got))
	}
}
