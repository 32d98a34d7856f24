package receiver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckToken(t *testing.T) {
	for tok, says := range map[string]string{
		"short":                              "at least 16",
		"has space in it 0000":               `holds ' '`,
		"slash/is/not/allowed":               `holds '/'`,
		"0123456789abcdef":                   "",
		"Mixed-Case_with.dots~0123456789abc": "",
	} {
		err := CheckToken(tok)
		if says == "" && err != nil || says != "" && (err == nil || !strings.Contains(err.Error(), says)) {
			t.Errorf("CheckToken(%q) = %v, want %q", tok, err, says)
		}
	}
}

func TestLoadOrCreateToken(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	tok, created, err := LoadOrCreateToken(dir)
	if err != nil || !created || CheckToken(tok) != nil {
		t.Fatalf("first start: %q %v %v", tok, created, err)
	}
	info, err := os.Stat(filepath.Join(dir, TokenFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("token file: %v %v", info.Mode(), err)
	}
	again, created, err := LoadOrCreateToken(dir)
	if err != nil || created || again != tok {
		t.Errorf("second start: %q %v %v", again, created, err)
	}
	other, _, _ := LoadOrCreateToken(t.TempDir())
	if other == tok {
		t.Error("two data dirs got the same token")
	}
	os.WriteFile(filepath.Join(dir, TokenFile), []byte("bad\n"), 0o600)
	if _, _, err := LoadOrCreateToken(dir); err == nil || !strings.Contains(err.Error(), "fix or delete the file") {
		t.Errorf("corrupt token file: %v", err)
	}
}
