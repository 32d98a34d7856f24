package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter/dtr"
)

// selfSignedTLS makes a certificate for 127.0.0.1, returning the server's
// TLS config and the path of the PEM file a client trusts it by.
func selfSignedTLS(t *testing.T) (*tls.Config, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "hubwire test broker"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, caFile
}

// certFiles writes a self-signed certificate for 127.0.0.1 named cn, as
// PEM files, and returns their paths.
func certFiles(t *testing.T, dir, cn string, usage x509.ExtKeyUsage) (certFile, keyFile string, cert tls.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{usage}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, cn+".pem"), filepath.Join(dir, cn+".key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	return certFile, keyFile, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestReceiverTLS serves the webhooks over HTTPS, picks up a renewed
// certificate without a restart, and verifies client certificates when a
// sender presents one.
func TestReceiverTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := certFiles(t, dir, "first", x509.ExtKeyUsageServerAuth)
	clientCAFile, _, clientCert := certFiles(t, dir, "registry-client", x509.ExtKeyUsageClientAuth)
	_, _, strangerCert := certFiles(t, dir, "stranger", x509.ExtKeyUsageClientAuth)
	inst := startHubwire(t, t.TempDir(), "--tls-cert", certFile, "--tls-key", keyFile, "--tls-client-ca", clientCAFile)
	if !strings.HasPrefix(inst.WebhookURL("dtr"), "https://") {
		t.Fatalf("webhook URL %s", inst.WebhookURL("dtr"))
	}
	body, _ := dtr.Samples.ReadFile("samples/tag-push.json")
	deliverTLS := func(trust string, certs ...tls.Certificate) (int, string, error) {
		roots := x509.NewCertPool()
		b, _ := os.ReadFile(trust)
		roots.AppendCertsFromPEM(b)
		cfg := &tls.Config{RootCAs: roots}
		if len(certs) > 0 {
			// Present the certificate whatever CAs the server names, as a
			// misconfigured or hostile sender would.
			cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &certs[0], nil }
		}
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
		resp, err := client.Post(inst.WebhookURL("dtr"), "application/json", bytes.NewReader(body))
		if err != nil {
			return 0, "", err
		}
		resp.Body.Close()
		return resp.StatusCode, resp.TLS.PeerCertificates[0].Subject.CommonName, nil
	}
	if status, cn, err := deliverTLS(certFile); err != nil || status != 202 || cn != "first" {
		t.Fatalf("over TLS: %d %s %v", status, cn, err)
	}
	if status, _, err := deliverTLS(certFile, clientCert); err != nil || status != 202 {
		t.Errorf("with a trusted client certificate: %d %v", status, err)
	}
	if _, _, err := deliverTLS(certFile, strangerCert); err == nil {
		t.Error("a client certificate from an unknown CA was accepted")
	}

	// Renew: new files in place; the next connection gets the new one.
	renewed, renewedKey, _ := certFiles(t, t.TempDir(), "second", x509.ExtKeyUsageServerAuth)
	b1, _ := os.ReadFile(renewed)
	b2, _ := os.ReadFile(renewedKey)
	os.WriteFile(certFile, b1, 0o600)
	os.WriteFile(keyFile, b2, 0o600)
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(certFile, later, later)
	waitFor(t, "the renewed certificate", func() bool {
		_, cn, err := deliverTLS(renewed)
		return err == nil && cn == "second"
	})
}
