package receiver

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestHMACSHA1: Nexus's X-Nexus-Webhook-Signature, hex HMAC-SHA1 of the
// body without a prefix, verifies with the right secret only.
func TestHMACSHA1(t *testing.T) {
	body := []byte(`{"action":"CREATED"}`)
	mac := hmac.New(sha1.New, []byte("s3cret"))
	mac.Write(body)
	good := hex.EncodeToString(mac.Sum(nil))
	v, err := NewHMAC("X-Nexus-Webhook-Signature", "sha1", "hex", "", []string{"s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		sig string
		ok  bool
	}{{good, true}, {strings.ToUpper(good), true}, {"sha1=" + good, false}, {strings.Repeat("0", 40), false}, {"", false}} {
		if err := v.Verify(http.Header{"X-Nexus-Webhook-Signature": {tt.sig}}, body, time.Now()); (err == nil) != tt.ok {
			t.Errorf("%q: %v, want ok=%v", tt.sig, err, tt.ok)
		}
	}
}

func TestSecretHeader(t *testing.T) {
	v, err := NewSecretHeader("X-JFrog-Event-Auth", []string{"new-secret", "old-secret"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		h    http.Header
		says string
	}{
		{http.Header{"X-Jfrog-Event-Auth": {"new-secret"}}, ""},
		{http.Header{"X-Jfrog-Event-Auth": {"old-secret"}}, ""},
		{http.Header{"X-Jfrog-Event-Auth": {"new-secret "}}, "does not match"},
		{http.Header{"X-Jfrog-Event-Auth": {"new"}}, "does not match"},
		{http.Header{"X-Jfrog-Event-Auth": {""}}, "missing X-JFrog-Event-Auth"},
		{http.Header{}, "missing X-JFrog-Event-Auth"},
	} {
		err := v.Verify(tt.h, nil, time.Now())
		if tt.says == "" && err != nil || tt.says != "" && (err == nil || !strings.Contains(err.Error(), tt.says)) {
			t.Errorf("%v: %v, want %q", tt.h, err, tt.says)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("the error shows a secret: %v", err)
		}
	}
	for _, bad := range [][]string{nil, {""}} {
		if _, err := NewSecretHeader("X", bad); err == nil {
			t.Errorf("secrets %q accepted", bad)
		}
	}
	if _, err := NewSecretHeader("", []string{"s"}); err == nil {
		t.Error("no header accepted")
	}
}

// TestAnyOfJFrogSchemes: JFrog's payload signature is verified whichever
// of the two documented schemes the instance uses, hex HMAC-SHA256 or
// "sha1=" hex HMAC-SHA1, and not with a wrong secret.
func TestAnyOfJFrogSchemes(t *testing.T) {
	body := []byte(`{"domain":"docker"}`)
	sign := func(sha256Scheme bool, key string) string {
		if sha256Scheme {
			m := hmac.New(sha256.New, []byte(key))
			m.Write(body)
			return hex.EncodeToString(m.Sum(nil))
		}
		m := hmac.New(sha1.New, []byte(key))
		m.Write(body)
		return "sha1=" + hex.EncodeToString(m.Sum(nil))
	}
	a, _ := NewHMAC("X-JFrog-Event-Auth", "sha256", "hex", "", []string{"s3cret"})
	b, _ := NewHMAC("X-JFrog-Event-Auth", "sha1", "hex", "sha1=", []string{"s3cret"})
	v := AnyOf{a, b}
	for _, tt := range []struct {
		sig string
		ok  bool
	}{{sign(true, "s3cret"), true}, {sign(false, "s3cret"), true}, {sign(true, "wrong"), false}, {sign(false, "wrong"), false}, {"s3cret", false}} {
		if err := v.Verify(http.Header{"X-Jfrog-Event-Auth": {tt.sig}}, body, time.Now()); (err == nil) != tt.ok {
			t.Errorf("%q: %v, want ok=%v", tt.sig, err, tt.ok)
		}
	}
	if err := v.Verify(http.Header{}, body, time.Now()); err == nil || err.Error() != "missing X-JFrog-Event-Auth" {
		t.Errorf("unsigned: %v", err)
	}
}
