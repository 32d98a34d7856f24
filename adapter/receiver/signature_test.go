package receiver

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func swSign(secret, id string, ts time.Time, body string) string {
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(ts.Unix(), 10) + "." + body))
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func TestStandardWebhooks(t *testing.T) {
	const oldSecret, newSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_bmV3LXNlY3JldC1mb3Itcm90YXRpb24="
	v, err := NewStandardWebhooks([]string{newSecret, oldSecret}, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1700000000, 0)
	body := `{"type":"TAG_PUSH"}`
	headers := func(sig string, ts time.Time) http.Header {
		return http.Header{"Webhook-Id": {"msg_1"}, "Webhook-Timestamp": {strconv.FormatInt(ts.Unix(), 10)}, "Webhook-Signature": {sig}}
	}
	for _, tt := range []struct {
		name, body, says string
		h                http.Header
	}{
		{"signed with the new secret", body, "", headers(swSign(newSecret, "msg_1", now, body), now)},
		{"signed with the old secret (rotation)", body, "", headers(swSign(oldSecret, "msg_1", now, body), now)},
		{"several signatures, one good", body, "", headers("v1,bm9wZQ== "+swSign(oldSecret, "msg_1", now, body), now)},
		{"body changed", body + " ", "does not verify", headers(swSign(newSecret, "msg_1", now, body), now)},
		{"unknown secret", body, "does not verify", headers(swSign("whsec_c29tZW9uZS1lbHNl", "msg_1", now, body), now)},
		{"replayed an hour later", body, "more than the tolerance", headers(swSign(newSecret, "msg_1", now.Add(-time.Hour), body), now.Add(-time.Hour))},
		{"from the future", body, "more than the tolerance", headers(swSign(newSecret, "msg_1", now.Add(time.Hour), body), now.Add(time.Hour))},
		{"unsigned", body, "missing webhook-id", http.Header{}},
		{"v2 only", body, "does not verify", headers(strings.Replace(swSign(newSecret, "msg_1", now, body), "v1,", "v2,", 1), now)},
	} {
		err := v.Verify(tt.h, []byte(tt.body), now)
		if tt.says == "" && err != nil || tt.says != "" && (err == nil || !strings.Contains(err.Error(), tt.says)) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.says)
		}
	}
	if _, err := NewStandardWebhooks([]string{"not-a-secret"}, time.Minute); err == nil {
		t.Error("accepted a secret without whsec_")
	}
}

func TestHMAC(t *testing.T) {
	body := []byte(`{"events":[]}`)
	sign := func(newHash func() hash.Hash, key string, enc func([]byte) string) string {
		mac := hmac.New(newHash, []byte(key))
		mac.Write(body)
		return enc(mac.Sum(nil))
	}
	hexSig := sign(sha256.New, "s3cret", hex.EncodeToString)
	b64SHA512 := sign(sha512.New, "s3cret", base64.StdEncoding.EncodeToString)
	gh, err := NewHMAC("X-Hub-Signature-256", "sha256", "hex", "sha256=", []string{"other", "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	b64, err := NewHMAC("X-Signature", "sha512", "base64", "", []string{"s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		v  *HMAC
		h  http.Header
		ok bool
	}{
		{gh, http.Header{"X-Hub-Signature-256": {"sha256=" + hexSig}}, true},
		{gh, http.Header{"X-Hub-Signature-256": {"sha256=" + strings.ToUpper(hexSig)}}, true},
		{gh, http.Header{"X-Hub-Signature-256": {hexSig}}, false},
		{gh, http.Header{"X-Hub-Signature-256": {"sha256=" + sign(sha256.New, "wrong", hex.EncodeToString)}}, false},
		{gh, http.Header{}, false},
		{b64, http.Header{"X-Signature": {b64SHA512}}, true},
		{b64, http.Header{"X-Signature": {hexSig}}, false},
	} {
		if err := tt.v.Verify(tt.h, body, time.Now()); (err == nil) != tt.ok {
			t.Errorf("%v: %v, want ok=%v", tt.h, err, tt.ok)
		}
	}
	for _, args := range [][]string{{"X", "md5", "hex"}, {"X", "sha256", "base32"}, {"", "sha256", "hex"}} {
		if _, err := NewHMAC(args[0], args[1], args[2], "", []string{"k"}); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
