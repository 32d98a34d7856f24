package receiver

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hubwire/hubwire/internal/secretfile"
)

// TokenFile is the name of the file, in the data directory, that keeps the
// webhook token generated on first start.
const TokenFile = "webhook-token"

// minTokenLen keeps tokens unguessable: the token in the URL is the only
// thing that protects a Docker Hub or DTR receiver (neither signs).
const minTokenLen = 16

// CheckToken reports why a token cannot be used, if it cannot.
func CheckToken(tok string) error {
	if len(tok) < minTokenLen {
		return fmt.Errorf("webhook token is %d characters; use at least %d random ones (or leave it out and hubwire generates one)", len(tok), minTokenLen)
	}
	for _, c := range tok {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-._~", c)) {
			return fmt.Errorf("webhook token holds %q; use only letters, digits and - . _ ~ so it fits in a URL as is", c)
		}
	}
	return nil
}

// LoadOrCreateToken returns the token kept in dir, generating and keeping
// a new one (readable by the owner only) on first start. created says
// which happened.
func LoadOrCreateToken(dir string) (token string, created bool, err error) {
	path := filepath.Join(dir, TokenFile)
	b, err := os.ReadFile(path)
	if err == nil {
		tok := strings.TrimSpace(string(b))
		if err := CheckToken(tok); err != nil {
			return "", false, fmt.Errorf("%s: %w; fix or delete the file", path, err)
		}
		return tok, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", false, fmt.Errorf("reading webhook token: %w", err)
	}
	tok, err := secretfile.Create(dir, TokenFile, "webhook token")
	if err != nil {
		return "", false, err
	}
	return tok, true, nil
}
