package rawjson_test

import (
	"encoding/json"
	"testing"

	"github.com/hubwire/hubwire/internal/rawjson"
)

// FuzzAppendString holds the one string quoter to encoding/json, byte for
// byte, for strings and byte slices, after text already in the buffer.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `"quoted" \back\`, "\b\f\n\r\t\x00\x1f\x7f", "<a href='x'>&amp;</a>", "é ✓ \u2028\u2029", "\xff\xfe bad", "\U0001F680", "ctl\x01 then é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := rawjson.AppendString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Fatalf("AppendString(%q) = %s; encoding/json writes %s", s, got[1:], want)
		}
		if got := rawjson.AppendString(nil, []byte(s)); string(got) != string(want) {
			t.Fatalf("AppendString([]byte(%q)) = %s; encoding/json writes %s", s, got, want)
		}
	})
}
