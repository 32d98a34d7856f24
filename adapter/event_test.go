package adapter

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// eventIDByFprintf is how EventID hashed its parts before it appended
// them itself. Ids must not change: a delivery retried across an upgrade
// would get a new id and be stored twice.
func eventIDByFprintf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func TestEventIDAsBefore(t *testing.T) {
	for _, parts := range [][]string{
		nil,
		{""},
		{"ab", "c"},
		{"a", "bc"},
		{"dtr", "TAG_PULL", "2026-12-01T12:00:00.123456Z", `{"namespace":"team1","repository":"service"}`},
		{"dockerhub", "acme/api", "v1", "1700000000000000", "ci", "é\x00\xff"},
		{strings.Repeat("x", 2000), "long parts go past the stack buffer"},
	} {
		if got, want := EventID(parts...), eventIDByFprintf(parts...); got != want {
			t.Errorf("EventID(%.40q) = %s, want %s", parts, got, want)
		}
	}
	if EventID("ab", "c") == EventID("a", "bc") {
		t.Error("parts are not length-prefixed")
	}
}
