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
		{"ce-mode: binary\nmax-age: forever\n", `:2: max-age: "forever": parse error`},
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
	for _, want := range []string{"http-addr: 127.0.0.1:9090", "ce-mode: structured", "token: '****'", "kafka-password: '****'", "dockerhub:", "- scanner", "max-age: 48h0m0s"} {
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
