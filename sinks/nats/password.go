package nats

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hubwire/hubwire/internal/secretfile"
)

// PasswordFile is the name of the file, in the data directory, that keeps
// the password of hubwire's user on the embedded NATS server, generated on
// first start.
const PasswordFile = "nats-password"

// DefaultUser is hubwire's user on the embedded NATS server.
const DefaultUser = "hubwire"

// LoadOrCreatePassword returns the password kept in dir, generating and
// keeping a new one (readable by the owner only) on first start. created
// says which happened.
func LoadOrCreatePassword(dir string) (password string, created bool, err error) {
	path := filepath.Join(dir, PasswordFile)
	pw, err := ReadPassword(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return pw, false, err
	}
	if pw, err = secretfile.Create(dir, PasswordFile, "the NATS password"); err != nil {
		return "", false, err
	}
	return pw, true, nil
}

// ReadPassword reads a password kept in a file (hubwire's, or a mounted
// secret): its first line, without surrounding space.
func ReadPassword(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	pw, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if pw = strings.TrimSpace(pw); pw == "" {
		return "", fmt.Errorf("%s is empty: put the NATS password in it, or delete it and hubwire generates one", path)
	}
	return pw, nil
}
