// Package secretfile makes the secrets hubwire generates on first start
// (the webhook token, the embedded NATS server's password) and keeps in
// its data directory, readable by the owner only.
package secretfile

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// Create makes a random secret (48 hex digits), keeps it in dir/name with
// mode 0600 and returns it. what names the secret in errors. The file must
// not exist: of two processes starting on one data directory at once, one
// keeps its secret and the other fails instead of overwriting it.
func Create(dir, name, what string) (string, error) {
	raw := make([]byte, 24)
	rand.Read(raw)
	secret := hex.EncodeToString(raw)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating data directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("keeping %s: %w", what, err)
	}
	if _, err := f.WriteString(secret + "\n"); err != nil {
		f.Close()
		return "", fmt.Errorf("keeping %s: %w", what, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("keeping %s: %w", what, err)
	}
	return secret, nil
}
