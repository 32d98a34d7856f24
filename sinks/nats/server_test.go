package nats

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func startAuthServer(t *testing.T, cfg ServerConfig) *server.Server {
	t.Helper()
	cfg.Addr, cfg.DataDir, cfg.MaxPayload = "127.0.0.1:0", t.TempDir(), 1<<20
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := StartServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	return srv
}

// connectAndUseJetStream connects over the network and asks JetStream for
// its account info, as a consumer's first step.
func connectAndUseJetStream(url string, opts ...natsgo.Option) error {
	nc, err := natsgo.Connect(url, append(opts, natsgo.MaxReconnects(0))...)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = js.AccountInfo(ctx)
	return err
}

func TestEmbeddedServerRequiresAuthentication(t *testing.T) {
	srv := startAuthServer(t, ServerConfig{Password: "s3cret-password"})
	err := connectAndUseJetStream(srv.ClientURL())
	if !errors.Is(err, natsgo.ErrAuthorization) {
		t.Errorf("anonymous client: got %v; want an authorization violation", err)
	}
	if err := connectAndUseJetStream(srv.ClientURL(), natsgo.UserInfo(DefaultUser, "wrong")); !errors.Is(err, natsgo.ErrAuthorization) {
		t.Errorf("wrong password: got %v", err)
	}
	if err := connectAndUseJetStream(srv.ClientURL(), natsgo.UserInfo(DefaultUser, "s3cret-password")); err != nil {
		t.Errorf("hubwire's user: %v", err)
	}
	nc, err := ConnectInProcess(srv, DefaultUser, "s3cret-password")
	if err != nil {
		t.Fatalf("in process: %v", err)
	}
	nc.Close()
}

func TestEmbeddedServerWithoutPasswordIsRefused(t *testing.T) {
	_, err := StartServer(ServerConfig{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil || !strings.Contains(err.Error(), "needs a password") {
		t.Errorf("got %v", err)
	}
}

func TestEmbeddedServerAllowAnonymous(t *testing.T) {
	srv := startAuthServer(t, ServerConfig{Password: "s3cret-password", AllowAnonymous: true})
	if err := connectAndUseJetStream(srv.ClientURL()); err != nil {
		t.Errorf("anonymous client with AllowAnonymous: %v", err)
	}
	if err := connectAndUseJetStream(srv.ClientURL(), natsgo.UserInfo(DefaultUser, "s3cret-password")); err != nil {
		t.Errorf("hubwire's user with AllowAnonymous: %v", err)
	}
}

func TestEmbeddedServerOperatorUsers(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "nats.conf")
	os.WriteFile(conf, []byte(`authorization {
  users = [
    {user: alice, password: alice-password}
    {user: reader, password: reader-password, permissions: {publish: {deny: ">"}}}
  ]
}
`), 0o600)
	srv := startAuthServer(t, ServerConfig{Password: "s3cret-password", ConfigFile: conf})
	if err := connectAndUseJetStream(srv.ClientURL(), natsgo.UserInfo("alice", "alice-password")); err != nil {
		t.Errorf("the operator's user: %v", err)
	}
	if err := connectAndUseJetStream(srv.ClientURL(), natsgo.UserInfo(DefaultUser, "s3cret-password")); err != nil {
		t.Errorf("hubwire's user beside the operator's: %v", err)
	}
	if err := connectAndUseJetStream(srv.ClientURL()); !errors.Is(err, natsgo.ErrAuthorization) {
		t.Errorf("anonymous client: got %v", err)
	}
}

func TestEmbeddedServerOperatorAccounts(t *testing.T) {
	dir := t.TempDir()
	without := filepath.Join(dir, "without.conf")
	os.WriteFile(without, []byte(`accounts { EVENTS { jetstream: enabled, users: [{user: alice, password: alice-password}] } }`), 0o600)
	if _, err := OperatorUsers(without, DefaultUser, false); err == nil || !strings.Contains(err.Error(), `list hubwire's user "hubwire" in the account`) {
		t.Errorf("accounts without hubwire's user: got %v", err)
	}
	with := filepath.Join(dir, "with.conf")
	os.WriteFile(with, []byte(`accounts { EVENTS { jetstream: enabled, users: [{user: alice, password: alice-password}, {user: hubwire, password: ""}] } }`), 0o600)
	srv := startAuthServer(t, ServerConfig{Password: "s3cret-password", ConfigFile: with})
	nc, err := ConnectInProcess(srv, DefaultUser, "s3cret-password")
	if err != nil {
		t.Fatal(err)
	}
	sink, err := New(context.Background(), nc, Config{Stream: testStream})
	if err != nil {
		t.Fatalf("hubwire's stream in the operator's account: %v", err)
	}
	defer sink.Close()
	// alice shares the account, so she sees hubwire's stream.
	anc, err := natsgo.Connect(srv.ClientURL(), natsgo.UserInfo("alice", "alice-password"))
	if err != nil {
		t.Fatal(err)
	}
	defer anc.Close()
	js, _ := jetstream.New(anc)
	if _, err := js.Stream(context.Background(), testStream.Name); err != nil {
		t.Errorf("alice does not see the stream: %v", err)
	}
	noAuth := filepath.Join(dir, "noauth.conf")
	os.WriteFile(noAuth, []byte(`authorization { users = [{user: alice, password: x}] }
no_auth_user: alice
`), 0o600)
	if _, err := OperatorUsers(noAuth, DefaultUser, false); err == nil || !strings.Contains(err.Error(), "--nats-allow-anonymous") {
		t.Errorf("no_auth_user: got %v", err)
	}
}

func TestEmbeddedServerTLS(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hubwire test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	srv := startAuthServer(t, ServerConfig{Password: "s3cret-password",
		TLS: &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return &cert, nil }}})
	if !strings.HasPrefix(srv.ClientURL(), "tls://") {
		t.Errorf("client URL %s", srv.ClientURL())
	}
	plain := strings.Replace(srv.ClientURL(), "tls://", "nats://", 1)
	if err := connectAndUseJetStream(plain, natsgo.UserInfo(DefaultUser, "s3cret-password")); err == nil {
		t.Error("a client without TLS got in")
	}
	roots := x509.NewCertPool()
	roots.AddCert(tmpl)
	parsed, _ := x509.ParseCertificate(der)
	roots.AddCert(parsed)
	if err := connectAndUseJetStream(srv.ClientURL(), natsgo.UserInfo(DefaultUser, "s3cret-password"), natsgo.Secure(&tls.Config{RootCAs: roots})); err != nil {
		t.Errorf("over TLS: %v", err)
	}
	nc, err := ConnectInProcess(srv, DefaultUser, "s3cret-password")
	if err != nil {
		t.Fatalf("in process, beside TLS: %v", err)
	}
	nc.Close()
}

func TestPasswordKeptInDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	pw, created, err := LoadOrCreatePassword(dir)
	if err != nil || !created || len(pw) < 32 {
		t.Fatalf("first start: %q %v %v", pw, created, err)
	}
	info, err := os.Stat(filepath.Join(dir, PasswordFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("password file: %v %v", info.Mode(), err)
	}
	again, created, err := LoadOrCreatePassword(dir)
	if err != nil || created || again != pw {
		t.Errorf("second start: %q %v %v", again, created, err)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	if _, err := ReadPassword(empty); err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Errorf("empty file: %v", err)
	}
}
