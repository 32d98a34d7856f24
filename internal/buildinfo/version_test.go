package buildinfo

import (
	"strings"
	"testing"
)

func TestSemantic(t *testing.T) {
	const commit = "0123456789abcdef0123456789abcdef01234567"
	for _, tt := range []struct {
		describe, module, commit string
		modified                 bool
		want                     string
	}{
		{"v1.2.3", "", commit, false, "1.2.3"},
		{"v1.2.3-0-g0123456", "", commit, false, "1.2.3"},
		{"v1.2.3-4-g0123456", "", commit, false, "1.2.4-dev.4+0123456"},
		{"v1.2.3-dirty", "", commit, false, "1.2.3+0123456789ab.dirty"},
		{"v1.2.3-4-g0123456-dirty", "", commit, false, "1.2.4-dev.4+0123456.dirty"},
		{"v2.0.0-rc.1", "", commit, false, "2.0.0-rc.1"},
		{"v2.0.0-rc.1-3-gabcdef0", "", commit, false, "2.0.0-rc.1.dev.3+abcdef0"},
		// No tag: git describe --always gives the bare commit, or nothing.
		{"0123456", "", commit, false, "0.0.0-dev+0123456789ab"},
		{"", "", commit, true, "0.0.0-dev+0123456789ab.dirty"},
		{"", "", "", false, "0.0.0-dev"},
		{"", "(devel)", commit, false, "0.0.0-dev+0123456789ab"},
		// go install …@v1.2.3, and Go's own VCS stamp of go build.
		{"", "v1.2.3", "", false, "1.2.3"},
		{"", "v0.0.0-20261202142321-0123456789ab", "", false, "0.0.0-dev+0123456789ab"},
		{"", "v1.2.4-0.20261202142321-0123456789ab+dirty", commit, true, "1.2.4-dev+0123456789ab.dirty"},
	} {
		if got := Semantic(tt.describe, tt.module, tt.commit, tt.modified); got != tt.want {
			t.Errorf("Semantic(%q, %q, modified %v) = %q, want %q", tt.describe, tt.module, tt.modified, got, tt.want)
		}
	}
}

func TestInfoString(t *testing.T) {
	out := Get("v1.2.3", "0123456789abcdef", "2.12.0").String()
	for _, want := range []string{"hubwire 1.2.3\n", "commit:       0123456789abcdef", "go:           go1.", "nats-server:  2.12.0"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
}
