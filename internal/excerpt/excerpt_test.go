package excerpt

import (
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"short":                       `"short"`,
		strings.Repeat("a", 64):       `"` + strings.Repeat("a", 64) + `"`,
		strings.Repeat("a", 900_000):  `"` + strings.Repeat("a", 64) + `…" (900000 bytes)`,
		strings.Repeat("a", 63) + "é": `"` + strings.Repeat("a", 63) + `…" (65 bytes)`, // not cut inside é
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%.20q…) = %q, want %q", in, got, want)
		}
	}
	if got := Text(strings.Repeat("x", 10), 4); got != "xxxx… (10 bytes)" {
		t.Errorf("Text: %q", got)
	}
}
