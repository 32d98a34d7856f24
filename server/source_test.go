package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestHMACPresetGitHub: preset: github with the secrets alone verifies
// what GitHub signs (X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the
// body>) and refuses a wrong signature.
func TestHMACPresetGitHub(t *testing.T) {
	v, err := verifiers(map[string]Source{"github": {HMAC: &HMAC{Preset: "github", Secrets: []string{"It's a Secret to Everybody"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(v["github"]) != 1 {
		t.Fatalf("verifiers %v", v)
	}
	// GitHub's own example (docs: "Validating webhook deliveries").
	body := []byte("Hello, World!")
	mac := hmac.New(sha256.New, []byte("It's a Secret to Everybody"))
	mac.Write(body)
	sig := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if sig != "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17" {
		t.Fatalf("the test's signature %s is not GitHub's", sig)
	}
	h := http.Header{"X-Hub-Signature-256": {sig}}
	if err := v["github"][0].Verify(h, body, time.Now()); err != nil {
		t.Errorf("GitHub's signature refused: %v", err)
	}
	h.Set("X-Hub-Signature-256", "sha256="+strings.Repeat("0", 64))
	if err := v["github"][0].Verify(h, body, time.Now()); err == nil {
		t.Error("a wrong signature verified")
	}
}

func TestHMACPresetFieldsWinAndUnknownRefused(t *testing.T) {
	h, err := (&HMAC{Preset: "github", Header: "X-Other"}).withPreset()
	if err != nil || h.Header != "X-Other" || h.Prefix != "sha256=" || h.Algorithm != "sha256" || h.Encoding != "hex" {
		t.Errorf("%+v, %v", h, err)
	}
	if _, err := verifiers(map[string]Source{"github": {HMAC: &HMAC{Preset: "gitlab", Secrets: []string{"s"}}}}); err == nil ||
		!strings.Contains(err.Error(), `sources: github: hmac: unknown preset "gitlab"`) {
		t.Errorf("unknown preset: %v", err)
	}
}
