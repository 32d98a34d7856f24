package receiver

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Verifier checks the signature of a delivery, for senders that sign (and
// for signing proxies put in front of those that do not).
type Verifier interface {
	Verify(h http.Header, body []byte, now time.Time) error
}

// StandardWebhooks verifies the Standard Webhooks scheme: HMAC-SHA256 of
// "<webhook-id>.<webhook-timestamp>.<body>" under a whsec_ secret, in
// webhook-signature as "v1,<base64>" (several, space-separated, during a
// rotation), with the timestamp within Tolerance of now.
type StandardWebhooks struct {
	secrets   [][]byte
	Tolerance time.Duration
}

// NewStandardWebhooks reads whsec_ secrets; several verify during a rotation.
func NewStandardWebhooks(secrets []string, tolerance time.Duration) (*StandardWebhooks, error) {
	v := &StandardWebhooks{Tolerance: tolerance}
	for _, s := range secrets {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
		if err != nil || !strings.HasPrefix(s, "whsec_") || len(key) == 0 {
			return nil, errors.New("a Standard Webhooks secret is whsec_ followed by base64")
		}
		v.secrets = append(v.secrets, key)
	}
	if len(v.secrets) == 0 {
		return nil, errors.New("Standard Webhooks verification needs at least one secret")
	}
	return v, nil
}

// Verify implements Verifier.
func (v *StandardWebhooks) Verify(h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing webhook-id, webhook-timestamp or webhook-signature")
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook-timestamp %q is not seconds since 1970", ts)
	}
	if d := now.Sub(time.Unix(secs, 0)); d > v.Tolerance || d < -v.Tolerance {
		return fmt.Errorf("webhook-timestamp is %v away from now, more than the tolerance of %v (a replay?)", d.Round(time.Second), v.Tolerance)
	}
	signed := []byte(id + "." + ts + ".")
	signed = append(signed, body...)
	ok := 0
	for _, key := range v.secrets {
		mac := hmac.New(sha256.New, key)
		mac.Write(signed)
		want := mac.Sum(nil)
		for _, sig := range strings.Fields(sigs) {
			version, b64, _ := strings.Cut(sig, ",")
			got, err := base64.StdEncoding.DecodeString(b64)
			if version == "v1" && err == nil && hmac.Equal(got, want) {
				ok = 1
			}
		}
	}
	if ok == 0 {
		return errors.New("webhook-signature does not verify")
	}
	return nil
}

// HMAC verifies a signature header of the common shape: an HMAC of the
// body, in hex or base64, after an optional prefix ("sha256=").
type HMAC struct {
	header, prefix string
	hexDigits      bool // hex compares without regard to case
	hash           func() hash.Hash
	encode         func([]byte) string
	secrets        [][]byte
}

// NewHMAC configures a generic HMAC check.
func NewHMAC(header, algorithm, encoding, prefix string, secrets []string) (*HMAC, error) {
	v := &HMAC{header: header, prefix: prefix, hexDigits: encoding == "hex"}
	switch algorithm {
	case "sha1": // Sonatype Nexus, and JFrog's older scheme: weak, but theirs
		v.hash = sha1.New
	case "sha256":
		v.hash = sha256.New
	case "sha512":
		v.hash = sha512.New
	default:
		return nil, fmt.Errorf("HMAC algorithm %q: want sha1, sha256 or sha512", algorithm)
	}
	switch encoding {
	case "hex":
		v.encode = hex.EncodeToString
	case "base64":
		v.encode = base64.StdEncoding.EncodeToString
	default:
		return nil, fmt.Errorf("HMAC encoding %q: want hex or base64", encoding)
	}
	if header == "" || len(secrets) == 0 {
		return nil, errors.New("an HMAC check needs a header name and at least one secret")
	}
	for _, s := range secrets {
		v.secrets = append(v.secrets, []byte(s))
	}
	return v, nil
}

// Verify implements Verifier.
func (v *HMAC) Verify(h http.Header, body []byte, _ time.Time) error {
	got, ok := strings.CutPrefix(h.Get(v.header), v.prefix)
	if !ok || got == "" {
		return fmt.Errorf("missing %s", v.header)
	}
	if v.hexDigits {
		got = strings.ToLower(got)
	}
	match := 0
	for _, key := range v.secrets {
		mac := hmac.New(v.hash, key)
		mac.Write(body)
		if hmac.Equal([]byte(got), []byte(v.encode(mac.Sum(nil)))) {
			match = 1
		}
	}
	if match == 0 {
		return fmt.Errorf("%s does not verify", v.header)
	}
	return nil
}
