package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/hubwire/hubwire/internal/cli"
	"github.com/hubwire/hubwire/internal/redact"
)

const healthcheckSummary = `Ask the hubwire serve of this machine whether it is ready (GET /readyz on
its --http-addr) and exit 0 if it is, 1 if not: a container's HEALTHCHECK,
where the image has no curl. It reads the same HUBWIRE_HTTP_ADDR and
HUBWIRE_TLS_CERT as serve, so in the container it needs no flags.`

// healthcheckArgs is what healthcheck's flags say.
type healthcheckArgs struct {
	addr, cert string
	timeout    time.Duration
}

func (x *healthcheckArgs) flags(out io.Writer) *cli.Flags {
	f := cli.New("healthcheck", healthcheckSummary)
	f.SetOutput(out)
	f.Global(func() { // serve's own settings, read from its variables
		f.StringVar(&x.addr, "http-addr", "127.0.0.1:8080", "`host:port` serve's receiver listens on (its --http-addr)")
		f.StringVar(&x.cert, "tls-cert", "", "serve's --tls-cert `file`: when set, ask over HTTPS (the certificate is\nnot verified: this is serve's own, asked on loopback)")
	})
	f.DurationVar(&x.timeout, "timeout", 5*time.Second, "time limit of the check (`duration`)")
	return f
}

func healthcheckCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var x healthcheckArgs
	f := x.flags(stderr)
	if err := f.ParseArgs(args, getenv); err != nil {
		return err
	}
	addr, cert, timeout := x.addr, x.cert, x.timeout
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--http-addr %q: want host:port, such as 127.0.0.1:8080", addr)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1" // serve listens on every interface: ask on loopback
	}
	scheme, client := "http", &http.Client{Timeout: timeout}
	if cert != "" {
		scheme = "https"
		// Loopback to this machine's own serve, whose certificate names
		// its public host: what is checked is readiness, not identity.
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec
	}
	url := scheme + "://" + net.JoinHostPort(host, port) + "/readyz"
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("not healthy: %s", redact.Error(err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: %s %s", resp.Status, strings.TrimSpace(string(body)))
	}
	fmt.Fprintf(stdout, "ready: %s\n", strings.TrimSpace(string(body)))
	return nil
}
