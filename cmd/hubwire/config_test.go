package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func configFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hubwire.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const sampleConfig = `# hubwire.yaml
http-addr: 127.0.0.1:9090
ce-mode: structured
max-age: 48h
token: a-token-from-the-config-file
callback-allow-host: [registry.hub.docker.com, hooks.example.com]
required-consumers: [ci]
sources:
  dockerhub:
    required-consumers: [ci, scanner]
`

func TestConfigFile(t *testing.T) {
	path := configFile(t, sampleConfig)
	cfg, err := parseServe([]string{"--config", path}, io.Discard, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.httpAddr != "127.0.0.1:9090" || cfg.broker.mode != "structured" || cfg.broker.stream.MaxAge != 48*time.Hour || cfg.token != "a-token-from-the-config-file" ||
		!reflect.DeepEqual(cfg.reply.allowHosts.Values, []string{"registry.hub.docker.com", "hooks.example.com"}) {
		t.Errorf("config file not applied: %+v", cfg)
	}
	required := cfg.reply.options(cfg.sources).Required
	if !reflect.DeepEqual(required["dockerhub"], []string{"ci", "scanner"}) || !reflect.DeepEqual(required["dtr"], []string{"ci"}) {
		t.Errorf("required consumers per source: %v", required)
	}

	// The command line and the environment win over the file.
	cfg, err = parseServe([]string{"--config", path, "--http-addr", "127.0.0.1:7070"}, io.Discard, env(map[string]string{"HUBWIRE_CE_MODE": "binary"}))
	if err != nil || cfg.httpAddr != "127.0.0.1:7070" || cfg.broker.mode != "binary" || cfg.broker.stream.MaxAge != 48*time.Hour {
		t.Errorf("precedence: %v %+v", err, cfg)
	}
	// The file may be named by the environment too.
	cfg, err = parseServe(nil, io.Discard, env(map[string]string{"HUBWIRE_CONFIG": path}))
	if err != nil || cfg.httpAddr != "127.0.0.1:9090" {
		t.Errorf("HUBWIRE_CONFIG: %v %+v", err, cfg)
	}
}

func TestConfigFileMistakes(t *testing.T) {
	for _, tt := range []struct{ text, says string }{
		{"http_addr: 1.2.3.4:80\n", `:1: unknown setting "http_addr"`},
		{"ce-mode: binary\nmax-age: forever\n", `:2: max-age: "forever": want a duration such as 90s, 15m, 2h, 30d`},
		{"ce-mode: xml\n", `--ce-mode: CloudEvents mode "xml"`},
		{"http-addr: {host: x}\n", "http-addr: want a value or a list of values"},
		{"sources:\n  gitlab:\n    required-consumers: [ci]\n", `unknown source "gitlab"`},
		{"sources:\n  dtr:\n    required: [ci]\n", "field required not found"},
		{"config: other.yaml\n", `unknown setting "config"`},
		{"[not, a, map]\n", "not YAML"},
	} {
		_, err := parseServe([]string{"--config", configFile(t, tt.text)}, io.Discard, noEnv)
		if err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%q: got %v, want %q", tt.text, err, tt.says)
		}
	}
	if _, err := parseServe([]string{"--config", "/nonexistent/hubwire.yaml"}, io.Discard, noEnv); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
}

func TestConfigCheck(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"config", "check", "--config", configFile(t, sampleConfig), "--kafka-password", "hunter2"}, &out, &errOut, noEnv)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"http-addr: 127.0.0.1:9090", "ce-mode: structured", "# token: set, not shown", "# kafka-password: set, not shown", "dockerhub:", "- scanner", "max-age: 2d"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("config check output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "a-token-from-the-config-file") || strings.Contains(out.String(), "hunter2") {
		t.Errorf("config check shows a secret:\n%s", out.String())
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"config", "check", "--config", configFile(t, "bogus: 1\n")}, &out, &errOut, noEnv); code != 1 || !strings.Contains(errOut.String(), `unknown setting "bogus"`) {
		t.Errorf("bad config: exit %d %s", code, errOut.String())
	}
}

// TestConfigCheckRoundTrip feeds config check's output back as the config
// file: it reads as the same configuration, secrets given again by their
// variables.
func TestConfigCheckRoundTrip(t *testing.T) {
	const original = `http-addr: 127.0.0.1:9090
public-url: https://hooks.example.com
ce-mode: structured
max-age: 45d
ack-timeout: 1d12h
publish-timeout: 20s
write-timeout: 1m30s
token: a-token-from-the-config-file
callback-allow-host: [registry.hub.docker.com, hooks.example.com]
required-consumers: [ci, "with space"]
webhook-allowed-origin: ["*"]
accept-authorization: [raw]
broker: nats://hubwire:s3cret@nats.example.com:4222
tracing: true
rate-limit: 2.5
sources:
  dockerhub:
    required-consumers: [ci, scanner]
    tokens: [a-dockerhub-token-0123456789]
  github:
    publish: [com.github.package.*]
    hmac:
      preset: github
      secrets: [a-github-secret]
`
	check := func(args []string, environ map[string]string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := run(context.Background(), append([]string{"config", "check"}, args...), &out, &errOut, env(environ)); code != 0 {
			t.Fatalf("config check %v: exit %d: %s", args, code, errOut.String())
		}
		return out.String()
	}
	first := check([]string{"--config", configFile(t, original)}, map[string]string{"HUBWIRE_STREAM": "FROM_ENV"})
	for _, secret := range []string{"a-token-from-the-config-file", "s3cret", "a-dockerhub-token", "a-github-secret"} {
		if strings.Contains(first, secret) {
			t.Errorf("config check shows %q:\n%s", secret, first)
		}
	}
	for _, want := range []string{"\n# Receiver\n", "\n# Acks and callbacks\n", "max-age: 45d\n", "ack-timeout: 1d12h\n", "stream: FROM_ENV\n",
		"required-consumers: [ci, with space]\n", "# broker: set, not shown", "# sources.dockerhub.tokens: 1 set, not shown", "# sources.github.hmac.secrets: 1 set"} {
		if !strings.Contains(first, want) {
			t.Errorf("config check output lacks %q:\n%s", want, first)
		}
	}
	// Fed back, with the secrets given again (by their variables, or put
	// back into the file): the same configuration.
	back := strings.Replace(first, "secrets: []\n", "secrets: [a-github-secret]\n", 1)
	back = strings.Replace(back, "    dockerhub:\n", "    dockerhub:\n        tokens: [a-dockerhub-token-0123456789]\n", 1)
	again := check([]string{"--config", configFile(t, back)}, map[string]string{
		"HUBWIRE_TOKEN": "a-token-from-the-config-file", "HUBWIRE_BROKER": "nats://hubwire:s3cret@nats.example.com:4222",
	})
	if again != first {
		t.Errorf("fed back, config check says otherwise:\n--- first\n%s\n--- again\n%s", first, again)
	}
	a, err := parseServe([]string{"--config", configFile(t, back)}, io.Discard, env(map[string]string{"HUBWIRE_TOKEN": "a-token-from-the-config-file"}))
	if err != nil || a.broker.stream.MaxAge != 45*24*time.Hour || a.reply.ackTimeout != 36*time.Hour || a.token != "a-token-from-the-config-file" ||
		!reflect.DeepEqual(a.reply.required.Values, []string{"ci", "with space"}) || a.rateLimit != 2.5 || !a.tracing {
		t.Errorf("serve reads the output as: %v %+v", err, a)
	}
}

func TestConfigFileSourcesTakeDays(t *testing.T) {
	path := configFile(t, "sources:\n  dtr:\n    standard-webhooks:\n      secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw]\n      tolerance: 1d\n")
	cfg, err := parseServe([]string{"--config", path}, io.Discard, noEnv)
	if err != nil || cfg.sources["dtr"].StandardWebhooks.Tolerance != 24*time.Hour {
		t.Errorf("tolerance: 1d: %v %+v", err, cfg.sources["dtr"].StandardWebhooks)
	}
	path = configFile(t, "sources:\n  dtr:\n    standard-webhooks:\n      secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw]\n      tolerance: soon\n")
	if _, err := parseServe([]string{"--config", path}, io.Discard, noEnv); err == nil || !strings.Contains(err.Error(), `:5: tolerance "soon": want a duration`) {
		t.Errorf("tolerance: soon: %v", err)
	}
}
