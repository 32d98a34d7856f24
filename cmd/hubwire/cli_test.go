package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter/dtr"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestEnvironmentAndFlags(t *testing.T) {
	cfg, err := parseServe(nil, io.Discard, env(map[string]string{
		"HUBWIRE_HTTP_ADDR": "127.0.0.1:9999", "HUBWIRE_CE_MODE": "structured", "HUBWIRE_MAX_AGE": "48h",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.httpAddr != "127.0.0.1:9999" || cfg.broker.mode != "structured" || cfg.broker.stream.MaxAge != 48*time.Hour {
		t.Errorf("environment not applied: %+v", cfg)
	}
	cfg, err = parseServe([]string{"--http-addr", "127.0.0.1:7777"}, io.Discard, env(map[string]string{"HUBWIRE_HTTP_ADDR": "127.0.0.1:9999"}))
	if err != nil || cfg.httpAddr != "127.0.0.1:7777" {
		t.Errorf("flag did not win over the environment: %v %+v", err, cfg)
	}
	cfg, err = parseServe(nil, io.Discard, noEnv)
	if err != nil || cfg.httpAddr != "127.0.0.1:8080" || cfg.broker.natsAddr != "127.0.0.1:4222" || cfg.dataDir != "./hubwire-data" || cfg.broker.mode != "binary" || cfg.maxBodyBytes != 1<<20 {
		t.Errorf("defaults: %v %+v", err, cfg)
	}
}

func TestBadInputNamesTheProblem(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		says string
	}{
		{[]string{"--ce-mode", "xml"}, nil, `--ce-mode: CloudEvents mode "xml": want binary or structured`},
		{nil, map[string]string{"HUBWIRE_MAX_AGE": "forever"}, `HUBWIRE_MAX_AGE="forever"`},
		{nil, map[string]string{"HUBWIRE_MAX_BODY_BYTES": "1MB"}, `HUBWIRE_MAX_BODY_BYTES="1MB"`},
		{[]string{"--no-such-flag"}, nil, "unknown flag --no-such-flag (see hubwire serve --help)"},
		{[]string{"extra"}, nil, `unexpected argument "extra"`},
		{[]string{"--duplicate-window", "2h", "--max-age", "1h"}, nil, "longer than max age"},
		{[]string{"--max-age", "10m"}, nil, "--max-age 10m0s must be longer than --ack-timeout 30m0s"},
		{[]string{"--public-url", "/"}, nil, `--public-url "/": want an absolute http(s) URL`},
		{[]string{"--duplicate-window", "0s"}, nil, "must be positive"},
		{[]string{"--sync", "sometimes"}, nil, `--sync "sometimes": want always`},
		{[]string{"--memory-limit", "-1"}, nil, `--memory-limit -1: must be a number of bytes`},
		{[]string{"--http-addr", "8080"}, nil, "--http-addr \"8080\": want host:port"},
		{[]string{"--token", "short"}, nil, "--token: webhook token is 5 characters"},
		{[]string{"--public-url", "hooks.example.com"}, nil, "--public-url \"hooks.example.com\": want an absolute http(s) URL"},
		{[]string{"--broker", "nats://n:4222,kafka://k:9092"}, nil, "mixes NATS and Kafka"},
		{[]string{"--broker", "redis://r:6379"}, nil, `scheme "redis" is not a broker`},
		{[]string{"--broker", "kafka://k:9092", "--kafka-sasl", "GSSAPI", "--kafka-user", "u"}, nil, `SASL mechanism "GSSAPI": want one of PLAIN`},
		{[]string{"--broker", "kafka://k:9092", "--kafka-sasl", "PLAIN"}, nil, "needs a user name"},
		{[]string{"--broker", "kafka://k:9092", "--kafka-create-topics", "--kafka-partitions", "0"}, nil, "must be at least 1"},
		{[]string{"--stream-replicas", "0"}, nil, "replicas"},
		{nil, map[string]string{"HUBWIRE_KAFKA_CREATE_TOPICS": "maybe"}, `HUBWIRE_KAFKA_CREATE_TOPICS="maybe"`},
		{[]string{"--log-level", "loud"}, nil, `--log-level "loud"`},
		{[]string{"--log-format", "xml"}, nil, `--log-format "xml"`},
		{[]string{"--max-body-bytes", "0"}, nil, "--max-body-bytes 0: must be positive"},
		{[]string{"--webhook-allowed-rate", "lots"}, nil, `--webhook-allowed-rate "lots"`},
		{[]string{"--max-in-flight", "-1"}, nil, "--max-in-flight -1"},
		{[]string{"--tls-cert", "a.pem"}, nil, "--tls-cert and --tls-key go together"},
		{[]string{"--tls-client-ca", "ca.pem"}, nil, "--tls-client-ca needs --tls-cert"},
		{[]string{"--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key"}, nil, "no such file"},
		{[]string{"--write-timeout", "5s"}, nil, "--write-timeout 5s must be longer than --publish-timeout 10s"},
		{[]string{"--max-header-bytes", "100"}, nil, "--max-header-bytes 100"},
	}
	for _, tt := range tests {
		_, err := parseServe(tt.args, io.Discard, env(tt.env))
		if err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%v %v: got %v, want %q", tt.args, tt.env, err, tt.says)
		}
	}
}

func TestHelpExplainsEveryFlag(t *testing.T) {
	var out bytes.Buffer
	code := run(context.Background(), []string{"serve", "--help"}, &out, &out, noEnv)
	if code != 0 {
		t.Errorf("exit %d", code)
	}
	for _, want := range []string{"--http-addr", "HUBWIRE_HTTP_ADDR", "--data-dir", "HUBWIRE_DATA_DIR", "--nats-addr", "HUBWIRE_NATS_ADDR",
		"--broker", "HUBWIRE_BROKER", "--token", "HUBWIRE_TOKEN", "--ce-mode", "HUBWIRE_CE_MODE", "--public-url", "--max-age",
		"--duplicate-window", "--max-body-bytes", "--publish-timeout", "--shutdown-timeout", "default: 127.0.0.1:8080",
		"--kafka-topic", "--kafka-acks-topic", "--kafka-create-topics", "--kafka-partitions", "--kafka-replication-factor",
		"--kafka-tls", "--kafka-sasl", "--kafka-user", "--kafka-password", "--stream-replicas", "--nats-creds", "--nats-nkey",
		"--nats-user", "--nats-password", "--nats-token", "--nats-tls-ca", "HUBWIRE_KAFKA_SASL", "--required-consumers",
		"--ack-timeout", "--callback-allow-host", "--callback-allow-insecure", "--callback-attempts", "--callback-timeout", "--config", "HUBWIRE_CONFIG"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestCommands(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"version"}, &out, &errOut, noEnv); code != 0 || !strings.HasPrefix(out.String(), "hubwire ") {
		t.Errorf("version: %d %q", code, out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"frobnicate"}, &out, &errOut, noEnv); code != 2 || !strings.Contains(errOut.String(), `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"serve", "--ce-mode", "xml"}, &out, &errOut, noEnv); code != 1 || !strings.Contains(errOut.String(), "want binary or structured") {
		t.Errorf("bad flag: %d %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run(context.Background(), nil, &out, &errOut, noEnv); code != 2 || !strings.Contains(errOut.String(), "hubwire serve") {
		t.Errorf("no command: %d %q", code, errOut.String())
	}
}

// TestServeCommand runs the serve command as a user would, takes the DTR
// webhook URL it prints, delivers to it, and stops it as a signal would.
func TestServeCommand(t *testing.T) {
	dir := t.TempDir()
	served := runServe(t, []string{"--http-addr", "127.0.0.1:0", "--nats-addr", "127.0.0.1:0"}, map[string]string{"HUBWIRE_DATA_DIR": dir}, io.Discard)
	token, err := os.ReadFile(filepath.Join(dir, "webhook-token"))
	if err != nil {
		t.Fatalf("no token kept in the data dir: %v\n%s", err, served.printed)
	}
	hook := served.hooks["dtr"]
	if !strings.HasSuffix(hook, "/hooks/dtr/"+strings.TrimSpace(string(token))) || !strings.Contains(served.printed, "sub 'hubwire.events.>'") {
		t.Fatalf("printed:\n%s", served.printed)
	}
	body, _ := dtr.Samples.ReadFile("samples/tag-push.json")
	resp, err := http.Post(hook, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("delivery to the printed URL: %d", resp.StatusCode)
	}
	if code := served.stop(); code != 0 {
		t.Errorf("exit %d after a stop signal", code)
	}
}

func TestAckHelp(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"ack", "--help"}, &out, &out, noEnv); code != 0 {
		t.Errorf("exit %d", code)
	}
	for _, want := range []string{"Usage: hubwire ack <event-id> [flags]", "--state", "--consumer", "--description", "--context", "--target-url",
		"--broker", "HUBWIRE_BROKER", "default: nats://127.0.0.1:4222", "nats req hubwire.acks.<event-id>"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("ack help lacks %q", want)
		}
	}
}
