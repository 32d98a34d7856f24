package nats

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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
	raw := make([]byte, 24)
	rand.Read(raw)
	pw = hex.EncodeToString(raw)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", false, fmt.Errorf("creating data directory: %w", err)
	}
	// O_EXCL: of two processes starting on one data dir at once, one
	// keeps its password and the other fails instead of overwriting it.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", false, fmt.Errorf("keeping the NATS password: %w", err)
	}
	if _, err := f.WriteString(pw + "\n"); err != nil {
		f.Close()
		return "", false, fmt.Errorf("keeping the NATS password: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", false, fmt.Errorf("keeping the NATS password: %w", err)
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
