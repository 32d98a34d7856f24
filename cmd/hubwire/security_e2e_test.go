package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	natssink "github.com/hubwire/hubwire/sinks/nats"
)

// runCmd runs a hubwire command in process, as a user would.
func runCmd(getenv func(string) string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut, getenv)
	return code, out.String(), errOut.String()
}

// TestEmbeddedNATSRequiresLogin: the embedded server refuses a client
// without credentials; hubwire's own commands log in with the password
// serve keeps in the data dir, and say where to find it when they cannot.
func TestEmbeddedNATSRequiresLogin(t *testing.T) {
	dir := t.TempDir()
	inst := startHubwire(t, dir)
	f := fixtures(t)[0]
	if a := f.deliver(t, inst, f.body); a.status != 202 {
		t.Fatalf("delivery: %d %v", a.status, a.body)
	}

	_, err := natsgo.Connect(inst.EmbeddedURL(), natsgo.MaxReconnects(0))
	if !errors.Is(err, natsgo.ErrAuthorization) {
		t.Errorf("a client without credentials: %v; want an authorization violation", err)
	}
	pwFile := filepath.Join(dir, natssink.PasswordFile)
	info, err := os.Stat(pwFile)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("password file %s: %v", pwFile, err)
	}
	pw, _ := natssink.ReadPassword(pwFile)
	b := banner(inst)
	if strings.Contains(b, pw) {
		t.Errorf("the banner shows the NATS password:\n%s", b)
	}
	if want := `--user hubwire --password "$(cat ` + pwFile + `)"`; !strings.Contains(b, want) {
		t.Errorf("the banner does not show how to log in (%s):\n%s", want, b)
	}

	code, out, errOut := runCmd(noEnv, "replay", "--broker", inst.EmbeddedURL(), "--data-dir", dir)
	if code != 0 || strings.Count(out, "\n") != 1 {
		t.Errorf("replay --data-dir: exit %d, %q, %q", code, out, errOut)
	}
	env := func(k string) string { return map[string]string{"HUBWIRE_DATA_DIR": dir}[k] }
	if code, out, errOut := runCmd(env, "replay", "--broker", inst.EmbeddedURL()); code != 0 || strings.Count(out, "\n") != 1 {
		t.Errorf("replay with HUBWIRE_DATA_DIR: exit %d, %q, %q", code, out, errOut)
	}
	if code, out, errOut := runCmd(noEnv, "ack", "0123456789abcdef0123456789abcdef", "--state", "success", "--broker", inst.EmbeddedURL(), "--data-dir", dir); code != 0 || !strings.Contains(out, "taken") {
		t.Errorf("ack --data-dir: exit %d, %q, %q", code, out, errOut)
	}

	elsewhere := t.TempDir()
	for _, cmd := range [][]string{{"replay"}, {"tail"}, {"ack", "0123456789abcdef0123456789abcdef", "--state", "success"}} {
		code, _, errOut := runCmd(noEnv, append(cmd, "--broker", inst.EmbeddedURL(), "--data-dir", elsewhere)...)
		want := filepath.Join(elsewhere, natssink.PasswordFile)
		if code != 1 || !strings.Contains(strings.ToLower(errOut), "authorization violation") || !strings.Contains(errOut, want) ||
			!strings.Contains(errOut, "--data-dir") || !strings.Contains(errOut, "--nats-user") {
			t.Errorf("%s without the password: exit %d, %q; want an error naming %s and the flags", cmd[0], code, errOut, want)
		}
	}
	// Explicit credentials win over the data dir's.
	code, _, errOut = runCmd(noEnv, "replay", "--broker", inst.EmbeddedURL(), "--data-dir", dir, "--nats-user", "hubwire", "--nats-password", "wrong")
	if code != 1 || !strings.Contains(strings.ToLower(errOut), "authorization violation") {
		t.Errorf("replay with a wrong --nats-password: exit %d, %q", code, errOut)
	}
}

// TestEmbeddedNATSPasswordFile: a password mounted as a file (a
// Kubernetes Secret) is the one the server takes, nothing is generated,
// and the client commands find it through the same variable.
func TestEmbeddedNATSPasswordFile(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(t.TempDir(), "password")
	os.WriteFile(secret, []byte("mounted-secret-password\n"), 0o600)
	inst := startHubwire(t, dir, "--embedded-nats-password-file", secret, "--embedded-nats-user", "events")
	if user, pw := inst.EmbeddedLogin(); user != "events" || pw != "mounted-secret-password" {
		t.Errorf("login %s/%s", user, pw)
	}
	if _, err := os.Stat(filepath.Join(dir, natssink.PasswordFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a password was generated beside the mounted one: %v", err)
	}
	nc, err := natsgo.Connect(inst.EmbeddedURL(), natsgo.UserInfo("events", "mounted-secret-password"))
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
	env := func(k string) string {
		return map[string]string{"HUBWIRE_EMBEDDED_NATS_PASSWORD_FILE": secret, "HUBWIRE_EMBEDDED_NATS_USER": "events"}[k]
	}
	if code, _, errOut := runCmd(env, "replay", "--broker", inst.EmbeddedURL()); code != 0 {
		t.Errorf("replay with HUBWIRE_EMBEDDED_NATS_PASSWORD_FILE: exit %d, %q", code, errOut)
	}
}

// TestNATSAllowAnonymous: anonymous clients get in only when asked for by
// name, and serve warns when that is on beyond loopback.
func TestNATSAllowAnonymous(t *testing.T) {
	inst := startHubwire(t, t.TempDir(), "--nats-allow-anonymous")
	nc, err := natsgo.Connect(inst.EmbeddedURL())
	if err != nil {
		t.Fatalf("anonymous client with --nats-allow-anonymous: %v", err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	if _, err := js.Stream(context.Background(), "HUBWIRE_EVENTS"); err != nil {
		t.Errorf("anonymous client sees no stream: %v", err)
	}

	for _, tc := range []struct {
		addr string
		warn bool
	}{{"127.0.0.1:0", false}, {"0.0.0.0:0", true}} {
		var logs bytes.Buffer
		cfg, err := parseServe([]string{"--http-addr", "127.0.0.1:0", "--nats-addr", tc.addr, "--data-dir", t.TempDir(), "--nats-allow-anonymous"}, io.Discard, noEnv)
		if err != nil {
			t.Fatal(err)
		}
		srv, err := start(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		srv.Shutdown(context.Background())
		if got := strings.Contains(logs.String(), "--nats-allow-anonymous"); got != tc.warn {
			t.Errorf("--nats-addr %s: warned %v; want %v:\n%s", tc.addr, got, tc.warn, logs.String())
		}
	}
}

// TestTokenNotPrintedEveryStart: the first start prints the URLs with the
// token it made; later starts whose output is not a terminal (a log)
// print them masked and say where the token is; hubwire token prints it.
func TestTokenNotPrintedEveryStart(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--http-addr", "127.0.0.1:0", "--nats-addr", "127.0.0.1:0", "--data-dir", dir}
	first := runServe(t, args, nil, io.Discard)
	tok, err := os.ReadFile(filepath.Join(dir, "webhook-token"))
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(string(tok))
	if !strings.HasSuffix(first.hooks["dtr"], "/hooks/dtr/"+token) {
		t.Errorf("first start does not print the new token's URL:\n%s", first.printed)
	}
	first.stop()

	for _, extra := range [][]string{nil, {"--log-format", "json"}} {
		var logs bytes.Buffer
		again := runServe(t, append(args, extra...), nil, &logs)
		if strings.Contains(again.printed, token) {
			t.Errorf("a later start %v prints the token:\n%s", extra, again.printed)
		}
		if !strings.HasSuffix(again.hooks["dtr"], "/hooks/dtr/<token>") || !strings.Contains(again.printed, filepath.Join(dir, "webhook-token")) ||
			!strings.Contains(again.printed, "hubwire token") {
			t.Errorf("a later start %v does not mask the token and say where it is:\n%s", extra, again.printed)
		}
		again.stop()
		if strings.Contains(logs.String(), token) {
			t.Errorf("the log holds the token:\n%s", logs.String())
		}
	}

	code, out, errOut := runCmd(noEnv, "token", "--data-dir", dir)
	if code != 0 || out != token+"\n" {
		t.Errorf("hubwire token: exit %d, %q, %q", code, out, errOut)
	}
	code, _, errOut = runCmd(noEnv, "token", "--data-dir", t.TempDir())
	if code != 1 || !strings.Contains(errOut, "no webhook token at") || !strings.Contains(errOut, "--data-dir") {
		t.Errorf("hubwire token without one: exit %d, %q", code, errOut)
	}
}

// TestSendErrorsHideToken: send's errors name the receiver, never its
// token-bearing URL.
func TestSendErrorsHideToken(t *testing.T) {
	const secret = "s3cret-token-0123456789abcdef"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	for _, to := range []string{"ftp://127.0.0.1/hooks/dtr/" + secret, "http://" + closed + "/hooks/dtr/" + secret, "http://127.0.0.1:8080/hooks/dtr/" + secret + "%zz"} {
		code, out, errOut := runCmd(noEnv, "send", "dtr", "--to", to)
		if code == 0 || strings.Contains(out+errOut, secret) {
			t.Errorf("send --to %s: exit %d, the output repeats the token: %q %q", to, code, out, errOut)
		}
	}
}

// TestPublicURLWarning: on all interfaces without --public-url, the
// printed URLs name 127.0.0.1: serve says so, and what to set.
func TestPublicURLWarning(t *testing.T) {
	for _, tc := range []struct {
		args []string
		warn bool
	}{
		{[]string{"--http-addr", "0.0.0.0:0"}, true},
		{[]string{"--http-addr", "0.0.0.0:0", "--public-url", "https://hooks.example.com"}, false},
		{[]string{"--http-addr", "127.0.0.1:0"}, false},
	} {
		var logs bytes.Buffer
		s := runServe(t, append(tc.args, "--nats-addr", "127.0.0.1:0", "--data-dir", t.TempDir()), nil, &logs)
		s.stop()
		if got := strings.Contains(s.printed, "set --public-url"); got != tc.warn {
			t.Errorf("%v: banner warns %v; want %v:\n%s", tc.args, got, tc.warn, s.printed)
		}
		if got := strings.Contains(logs.String(), "--public-url"); got != tc.warn {
			t.Errorf("%v: log warns %v; want %v:\n%s", tc.args, got, tc.warn, logs.String())
		}
	}
}

// TestUnusableDataDir: a data dir hubwire cannot write is named, with the
// flag that chooses another; a start that fails leaves no data dir it made.
func TestUnusableDataDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, nil, 0o600)
	store := t.TempDir()
	os.WriteFile(filepath.Join(store, "jetstream"), nil, 0o600) // where JetStream wants a directory
	for _, dir := range []string{file, filepath.Join(file, "data"), store} {
		cfg, err := parseServe([]string{"--http-addr", "127.0.0.1:0", "--nats-addr", "127.0.0.1:0", "--data-dir", dir}, io.Discard, noEnv)
		if err != nil {
			t.Fatal(err)
		}
		_, err = start(context.Background(), cfg, quietLog)
		if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "--data-dir") || strings.Contains(err.Error(), "another server") {
			t.Errorf("--data-dir %s: got %v; want an error naming it and --data-dir", dir, err)
		}
	}

	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	fresh := filepath.Join(t.TempDir(), "fresh")
	cfg, _ := parseServe([]string{"--http-addr", busy.Addr().String(), "--nats-addr", "127.0.0.1:0", "--data-dir", fresh}, io.Discard, noEnv)
	if _, err := start(context.Background(), cfg, quietLog); err == nil {
		t.Fatal("started on a busy port")
	}
	if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed start left the data dir it made: %v", err)
	}
}

// TestEmbeddedNATSTLS: with --embedded-nats-tls-cert/-key the embedded
// server takes TLS clients only (tls:// URL), serves a renewed
// certificate without a restart, and replay logs in over TLS.
func TestEmbeddedNATSTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := certFiles(t, dir, "nats-first", x509.ExtKeyUsageServerAuth)
	inst := startHubwire(t, t.TempDir(), "--embedded-nats-tls-cert", certFile, "--embedded-nats-tls-key", keyFile)
	url := inst.EmbeddedURL()
	if !strings.HasPrefix(url, "tls://") {
		t.Fatalf("client URL %s", url)
	}
	user, pw := inst.EmbeddedLogin()
	connect := func(ca string) error {
		nc, err := natsgo.Connect(url, natsgo.UserInfo(user, pw), natsgo.RootCAs(ca), natsgo.MaxReconnects(0))
		if err == nil {
			nc.Close()
		}
		return err
	}
	if err := connect(certFile); err != nil {
		t.Errorf("TLS client: %v", err)
	}
	plain := strings.Replace(url, "tls://", "nats://", 1)
	if nc, err := natsgo.Connect(plain, natsgo.UserInfo(user, pw), natsgo.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Error("a client without TLS got in")
	}

	// A renewed certificate, written over the files, is served without a
	// restart (the files are looked at once a second at most).
	renewed, renewedKey, _ := certFiles(t, dir, "nats-renewed", x509.ExtKeyUsageServerAuth)
	time.Sleep(1100 * time.Millisecond)
	for _, f := range [][2]string{{renewed, certFile}, {renewedKey, keyFile}} {
		b, _ := os.ReadFile(f[0])
		os.WriteFile(f[1], b, 0o600)
	}
	future := time.Now().Add(time.Minute)
	os.Chtimes(certFile, future, future)
	waitFor(t, "the renewed certificate", func() bool { return connect(renewed) == nil })

	code, _, errOut := runCmd(noEnv, "replay", "--broker", url, "--nats-user", user, "--nats-password", pw, "--nats-tls-ca", renewed)
	if code != 0 {
		t.Errorf("replay over TLS: exit %d, %q", code, errOut)
	}
}
