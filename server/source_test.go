package server

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"hash"
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
	hs, err := (&HMAC{Preset: "github", Header: "X-Other"}).withPreset()
	if err != nil || len(hs) != 1 {
		t.Fatalf("%+v, %v", hs, err)
	}
	h := hs[0]
	if h.Header != "X-Other" || h.Prefix != "sha256=" || h.Algorithm != "sha256" || h.Encoding != "hex" {
		t.Errorf("%+v, %v", h, err)
	}
	if _, err := verifiers(map[string]Source{"github": {HMAC: &HMAC{Preset: "gitlab", Secrets: []string{"s"}}}}); err == nil ||
		!strings.Contains(err.Error(), `sources: github: hmac: unknown preset "gitlab"`) {
		t.Errorf("unknown preset: %v", err)
	}
}

// TestPresetsOfTheOtherRegistries: gitea, nexus and jfrog stand for the
// schemes those registries sign with; each verifies a right signature and
// refuses one made with a wrong secret.
func TestPresetsOfTheOtherRegistries(t *testing.T) {
	body := []byte(`{"action":"created"}`)
	sign := func(h func() hash.Hash, key, prefix string) string {
		m := hmac.New(h, []byte(key))
		m.Write(body)
		return prefix + hex.EncodeToString(m.Sum(nil))
	}
	for _, tt := range []struct {
		preset, header string
		right, wrong   string
	}{
		{"gitea", "X-Gitea-Signature", sign(sha256.New, "s3cret", ""), sign(sha256.New, "nope", "")},
		{"nexus", "X-Nexus-Webhook-Signature", sign(sha1.New, "s3cret", ""), sign(sha1.New, "nope", "")},
		{"jfrog", "X-JFrog-Event-Auth", sign(sha256.New, "s3cret", ""), sign(sha256.New, "nope", "")},
		{"jfrog", "X-JFrog-Event-Auth", sign(sha1.New, "s3cret", "sha1="), sign(sha1.New, "nope", "sha1=")},
	} {
		v, err := verifiers(map[string]Source{"x": {HMAC: &HMAC{Preset: tt.preset, Secrets: []string{"s3cret"}}}})
		if err != nil || len(v["x"]) != 1 {
			t.Fatalf("%s: %v %v", tt.preset, v, err)
		}
		h := http.Header{}
		h.Set(tt.header, tt.right)
		if err := v["x"][0].Verify(h, body, time.Now()); err != nil {
			t.Errorf("%s: right signature refused: %v", tt.preset, err)
		}
		h.Set(tt.header, tt.wrong)
		if err := v["x"][0].Verify(h, body, time.Now()); err == nil {
			t.Errorf("%s: wrong signature verified", tt.preset)
		}
	}
}

func TestSecretHeaderSetting(t *testing.T) {
	src := Source{SecretHeader: &SecretHeader{Header: "X-JFrog-Event-Auth", Secrets: []string{"s3cret"}}}
	v, err := verifiers(map[string]Source{"artifactory": src})
	if err != nil || len(v["artifactory"]) != 1 {
		t.Fatalf("%v %v", v, err)
	}
	if err := v["artifactory"][0].Verify(http.Header{"X-Jfrog-Event-Auth": {"s3cret"}}, nil, time.Now()); err != nil {
		t.Errorf("right secret: %v", err)
	}
	if err := v["artifactory"][0].Verify(http.Header{"X-Jfrog-Event-Auth": {"wrong"}}, nil, time.Now()); err == nil {
		t.Error("wrong secret verified")
	}
	if m := src.Masked(); m.SecretHeader.Secrets[0] != "****" || src.SecretHeader.Secrets[0] != "s3cret" {
		t.Errorf("masked %+v, original %+v", m.SecretHeader, src.SecretHeader)
	}
	if _, err := verifiers(map[string]Source{"artifactory": {SecretHeader: &SecretHeader{Header: "X"}}}); err == nil ||
		!strings.Contains(err.Error(), "sources: artifactory: secret-header:") {
		t.Errorf("no secrets: %v", err)
	}
}
