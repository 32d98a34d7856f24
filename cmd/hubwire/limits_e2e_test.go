package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHeaderLimit(t *testing.T) {
	inst := startHubwire(t, t.TempDir(), "--max-header-bytes", "8192")
	f := fixtures(t)[0]
	req, _ := http.NewRequest(http.MethodPost, inst.WebhookURL(f.source), bytes.NewReader(f.body))
	req.Header.Set("X-Padding", strings.Repeat("x", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB of headers: %d", resp.StatusCode)
	}
}

// TestSlowClientCutOff: a client that never finishes its headers (slowloris)
// is disconnected after --read-header-timeout.
func TestSlowClientCutOff(t *testing.T) {
	inst := startHubwire(t, t.TempDir(), "--read-header-timeout", "300ms")
	conn, err := net.Dial("tcp", inst.HTTPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST /hooks/dtr/"+inst.Token()+" HTTP/1.1\r\nHost: x\r\nX-Slow: ")
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.ReadAll(conn) // returns when the server closes the connection
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Error("a client that never finished its headers was kept for 10s")
	}
}

// TestNoSecretInTheLog runs hubwire serve with every kind of secret, sends
// good and bad deliveries and acks, and reads the whole log.
func TestNoSecretInTheLog(t *testing.T) {
	const sourceToken, hmacSecret, swSecret = "dtr-source-token-0123456789", "hmac-secret-s3cr3t", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	dir := t.TempDir()
	config := filepath.Join(dir, "hubwire.yaml")
	os.WriteFile(config, []byte(`sources:
  dockerhub:
    hmac: {header: X-Signature, secrets: [`+hmacSecret+`]}
  dtr:
    standard-webhooks: {secrets: [`+swSecret+`]}
`), 0o600)
	var logs bytes.Buffer
	served := runServe(t, []string{"--http-addr", "127.0.0.1:0", "--nats-addr", "127.0.0.1:0", "--data-dir", dir, "--config", config,
		"--source-token", "dtr=" + sourceToken, "--log-level", "debug", "--log-format", "json"}, nil, &logs)
	hub, dtrHook := served.hooks["dockerhub"], served.hooks["dtr"]
	mainToken, _ := os.ReadFile(filepath.Join(dir, "webhook-token"))
	f := fixtures(t)[0]
	for _, url := range []string{hub, dtrHook, strings.Replace(dtrHook, sourceToken, "wrong-token-wrong-token", 1), hub + "?access_token=" + sourceToken} {
		resp, err := http.Post(url, "application/json", bytes.NewReader(f.body))
		if err == nil {
			resp.Body.Close()
		}
	}
	served.stop()
	log := logs.String()
	if !strings.Contains(log, `"route":"/hooks/dtr"`) {
		t.Fatalf("the log holds no delivery line:\n%s", log)
	}
	for _, secret := range []string{sourceToken, hmacSecret, swSecret, strings.TrimPrefix(swSecret, "whsec_"), strings.TrimSpace(string(mainToken))} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds a secret (%.6s…)", secret)
		}
	}
}
