package receiver

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// SecretHeader checks a header that carries a shared secret as it is, not
// a signature of the body: JFrog's X-JFrog-Event-Auth when payload
// signing is off. It is compared in constant time, against every secret
// and without stopping early (several secrets verify during a rotation).
type SecretHeader struct {
	header  string
	secrets [][sha256.Size]byte
}

// NewSecretHeader configures a shared-secret header check.
func NewSecretHeader(header string, secrets []string) (*SecretHeader, error) {
	if header == "" || len(secrets) == 0 {
		return nil, errors.New("a secret header check needs a header name and at least one secret")
	}
	v := &SecretHeader{header: header}
	for _, s := range secrets {
		if s == "" {
			return nil, errors.New("a secret header's secret may not be empty")
		}
		// Hashed, so that the comparison takes as long whatever the
		// lengths of the secret and of what was sent.
		v.secrets = append(v.secrets, sha256.Sum256([]byte(s)))
	}
	return v, nil
}

// Verify implements Verifier.
func (v *SecretHeader) Verify(h http.Header, _ []byte, _ time.Time) error {
	got := h.Get(v.header)
	if got == "" {
		return fmt.Errorf("missing %s", v.header)
	}
	sum := sha256.Sum256([]byte(got))
	match := 0
	for _, s := range v.secrets {
		match |= subtle.ConstantTimeCompare(sum[:], s[:])
	}
	if match == 0 {
		return fmt.Errorf("%s does not match", v.header)
	}
	return nil
}

// AnyOf passes a delivery that any of its checks passes: for a sender
// whose scheme is one of several and not known in advance (JFrog's
// payload signature, documented as HMAC-SHA256 by some and as
// "sha1=" HMAC-SHA1 by others). Every check runs, so the time taken does
// not say which one matched.
type AnyOf []Verifier

// Verify implements Verifier.
func (a AnyOf) Verify(h http.Header, body []byte, now time.Time) error {
	var errs []string
	for _, v := range a {
		if err := v.Verify(h, body, now); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) < len(a) {
		return nil
	}
	return errors.New(strings.Join(dedupe(errs), "; "))
}

// dedupe drops repeated messages, kept in order: two schemes on one
// header both say it is missing.
func dedupe(msgs []string) []string {
	var out []string
	for _, m := range msgs {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}
