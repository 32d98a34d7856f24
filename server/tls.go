package server

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"sync"
	"time"
)

// certReloader serves the receiver's certificate from files, loading them
// again when they change (a renewed certificate needs no restart). It
// looks at the files at most once a second.
type certReloader struct {
	certFile, keyFile string
	// flag names the files in errors: "--tls" for --tls-cert and --tls-key.
	flag string

	mu      sync.Mutex
	cert    *tls.Certificate
	modTime time.Time
	checked time.Time
}

func newCertReloader(flag, certFile, keyFile string) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, flag: flag}
	if _, err := r.get(time.Now()); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *certReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return r.get(time.Now())
}

func (r *certReloader) get(now time.Time) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cert != nil && now.Sub(r.checked) < time.Second {
		return r.cert, nil
	}
	r.checked = now
	info, err := os.Stat(r.certFile)
	if err != nil {
		if r.cert != nil {
			return r.cert, nil // keep serving the last good one
		}
		return nil, fmt.Errorf("%s-cert: %w", r.flag, err)
	}
	if r.cert != nil && info.ModTime().Equal(r.modTime) {
		return r.cert, nil
	}
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		if r.cert != nil {
			return r.cert, nil // a half-written renewal: keep the last good one
		}
		return nil, fmt.Errorf("%s-cert, %s-key: %w", r.flag, r.flag, err)
	}
	r.cert, r.modTime = &cert, info.ModTime()
	return r.cert, nil
}

// ReceiverTLS is the receiver's TLS configuration: its certificate, and the
// CAs whose client certificates it verifies when a sender presents one
// (Quay does); a sender that presents none still gets in with the token.
func ReceiverTLS(certFile, keyFile, clientCA string) (*tls.Config, error) {
	r, err := newCertReloader("--tls", certFile, keyFile)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: r.GetCertificate}
	if clientCA != "" {
		pem, err := os.ReadFile(clientCA)
		if err != nil {
			return nil, fmt.Errorf("--tls-client-ca: %w", err)
		}
		cfg.ClientCAs = x509.NewCertPool()
		if !cfg.ClientCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--tls-client-ca: %s holds no PEM certificate", clientCA)
		}
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return cfg, nil
}

// EmbeddedNATSTLS is the embedded NATS server's TLS configuration: its
// certificate, reloaded when the files change, as the receiver's is.
func EmbeddedNATSTLS(certFile, keyFile string) (*tls.Config, error) {
	r, err := newCertReloader("--embedded-nats-tls", certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: r.GetCertificate}, nil
}
