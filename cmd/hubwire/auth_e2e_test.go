package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter/dtr"
	"github.com/hubwire/hubwire/server"
)

func postWith(t *testing.T, url string, body []byte, header http.Header) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	return do(t, req).status
}

// TestSourceTokens: a source with tokens of its own takes each of them
// (rotation) and no other; the other source keeps the main token.
func TestSourceTokens(t *testing.T) {
	inst := startHubwire(t, t.TempDir(), "--source-token", "dtr=dtr-token-one-0000000", "--source-token", "dtr=dtr-token-two-0000000")
	fx := fixtures(t)
	var hub, dtrBody []byte
	for _, f := range fx {
		if f.source == "dockerhub" && hub == nil {
			hub = f.body
		}
		if f.source == "dtr" && dtrBody == nil {
			dtrBody = f.body
		}
	}
	if !strings.HasSuffix(inst.WebhookURL("dtr"), "/hooks/dtr/dtr-token-one-0000000") {
		t.Errorf("printed DTR URL %s", inst.WebhookURL("dtr"))
	}
	for _, tt := range []struct {
		path string
		want int
	}{
		{"/hooks/dtr/dtr-token-one-0000000", 202},
		{"/hooks/dtr/dtr-token-two-0000000", 202},
		{"/hooks/dtr/" + inst.Token(), 404},
		{"/hooks/dockerhub/" + inst.Token(), 202},
		{"/hooks/dockerhub/dtr-token-one-0000000", 404},
	} {
		body := dtrBody
		if strings.HasPrefix(tt.path, "/hooks/dockerhub/") {
			body = hub
		}
		if got := postWith(t, inst.PublicURL()+tt.path, body, nil); got != tt.want {
			t.Errorf("%s: %d, want %d", strings.Replace(tt.path, inst.Token(), "<main token>", 1), got, tt.want)
		}
	}
}

// TestRawAndBasicAuthorization: Harbor's raw Authorization header and
// HTTP Basic carry the token only where --accept-authorization says so.
func TestRawAndBasicAuthorization(t *testing.T) {
	f := fixtures(t)[0]
	basic := func(tok string) http.Header {
		req, _ := http.NewRequest("GET", "/", nil)
		req.SetBasicAuth("registry", tok)
		return http.Header{"Authorization": req.Header["Authorization"]}
	}
	on := startHubwire(t, t.TempDir(), "--accept-authorization", "raw,basic")
	off := startHubwire(t, t.TempDir())
	for _, tt := range []struct {
		inst   *server.Server
		header http.Header
		want   int
	}{
		{on, http.Header{"Authorization": {on.Token()}}, 202},
		{on, basic(on.Token()), 202},
		{on, http.Header{"Authorization": {"wrong-token-wrong-token"}}, 404},
		{on, basic("wrong-token-wrong-token"), 404},
		{off, http.Header{"Authorization": {off.Token()}}, 404},
		{off, basic(off.Token()), 404},
	} {
		if got := postWith(t, tt.inst.PublicURL()+"/hooks/"+f.source, f.body, tt.header); got != tt.want {
			t.Errorf("accept=%v %v: %d, want %d", tt.inst == on, tt.header, got, tt.want)
		}
	}
}

func TestSourceTokensInTheConfigFile(t *testing.T) {
	path := configFile(t, "sources:\n  dtr:\n    tokens: [from-the-file-000000000]\n")
	cfg, err := parseServe([]string{"--config", path}, nil, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if got := sourceTokens(cfg)["dtr"]; len(got) != 1 || got[0] != "from-the-file-000000000" {
		t.Errorf("tokens %v", got)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"config", "check", "--config", path}, &out, &errOut, noEnv); code != 0 || strings.Contains(out.String(), "from-the-file") {
		t.Errorf("config check: %d, shows the token: %v\n%s", code, strings.Contains(out.String(), "from-the-file"), out.String())
	}
	for _, args := range [][]string{{"--source-token", "gitlab=abcdefghijklmnopq"}, {"--source-token", "dtr=short"}, {"--accept-authorization", "digest"}} {
		if _, err := parseServe(args, nil, noEnv); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

// TestSignedSources: a source configured for Standard Webhooks or an HMAC
// header takes only deliveries whose signature verifies (401 otherwise).
func TestSignedSources(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	path := configFile(t, `sources:
  dtr:
    standard-webhooks:
      secrets: [`+secret+`]
  dockerhub:
    hmac: {header: X-Signature, algorithm: sha256, encoding: hex, prefix: "sha256=", secrets: [s3cret]}
`)
	inst := startHubwire(t, t.TempDir(), "--config", path)
	body, _ := dtr.Samples.ReadFile("samples/tag-push.json")
	now := time.Now()
	signed := http.Header{"Webhook-Id": {"msg_1"}, "Webhook-Timestamp": {strconv.FormatInt(now.Unix(), 10)}, "Webhook-Signature": {standardSignature(secret, "msg_1", now, body)}}
	if got := postWith(t, inst.WebhookURL("dtr"), body, signed); got != 202 {
		t.Errorf("signed: %d", got)
	}
	a := post(t, inst.WebhookURL("dtr"), "application/json", body)
	if a.status != 401 || !contains(a.body["error"], "signature: missing webhook-id") {
		t.Errorf("unsigned: %d %v", a.status, a.body)
	}
	old := now.Add(-time.Hour)
	replay := http.Header{"Webhook-Id": {"msg_1"}, "Webhook-Timestamp": {strconv.FormatInt(old.Unix(), 10)}, "Webhook-Signature": {standardSignature(secret, "msg_1", old, body)}}
	if got := postWith(t, inst.WebhookURL("dtr"), body, replay); got != 401 {
		t.Errorf("replayed an hour later: %d", got)
	}

	hub := fixtures(t)[0]
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write(hub.body)
	if got := postWith(t, inst.WebhookURL("dockerhub"), hub.body, http.Header{"X-Signature": {"sha256=" + hex.EncodeToString(mac.Sum(nil))}}); got != 202 {
		t.Errorf("HMAC signed: %d", got)
	}
	if got := postWith(t, inst.WebhookURL("dockerhub"), hub.body, http.Header{"X-Signature": {"sha256=00"}}); got != 401 {
		t.Errorf("HMAC wrong: %d", got)
	}

	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"config", "check", "--config", path}, &out, &errOut, noEnv); code != 0 || strings.Contains(out.String(), "s3cret") || strings.Contains(out.String(), secret) {
		t.Errorf("config check %d shows a secret:\n%s%s", code, out.String(), errOut.String())
	}
	if _, err := parseServe([]string{"--config", configFile(t, "sources:\n  dtr:\n    standard-webhooks: {secrets: [nope]}\n")}, nil, noEnv); err == nil || !strings.Contains(err.Error(), "whsec_") {
		t.Errorf("bad secret: %v", err)
	}
}

func standardSignature(secret, id string, ts time.Time, body []byte) string {
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(ts.Unix(), 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
