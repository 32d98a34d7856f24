package reply

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hubwire/hubwire/internal/excerpt"
	"github.com/hubwire/hubwire/internal/redact"
	"github.com/hubwire/hubwire/internal/retryafter"
)

// DefaultAllowedHosts are Docker Hub's callback hosts.
var DefaultAllowedHosts = []string{"registry.hub.docker.com", "hub.docker.com"}

// Poster posts callbacks. The callback URL arrives on an unauthenticated
// webhook, so it is only ever contacted on an allowed host and port, over
// https unless told otherwise, at an address that is public unless that
// address is itself allowed, and redirects (which could lead anywhere) are
// not followed.
type Poster struct {
	// AllowedHosts are the host[:port] a callback may go to: a name or an
	// address, with the port the scheme's (443, or 80 for http) when left
	// out, or * for any port. A loopback, link-local or private address is
	// contacted only when listed itself, as an address: an allowed name
	// that resolves to one is refused when dialled (DNS rebinding).
	AllowedHosts  []string
	AllowInsecure bool
	// Timeout bounds one attempt (10s).
	Timeout time.Duration
	// MaxAttempts bounds the retries of network errors, 5xx and 429.
	MaxAttempts int
	// BaseDelay and MaxDelay shape the exponential backoff (with jitter).
	BaseDelay, MaxDelay time.Duration

	clientOnce sync.Once
	client     *http.Client
}

// CallbackBody is what Docker Hub's callback expects.
type CallbackBody struct {
	State       string `json:"state"`
	Description string `json:"description,omitempty"`
	Context     string `json:"context,omitempty"`
	TargetURL   string `json:"target_url,omitempty"`
}

// Allowed reports why raw may not be contacted, if it may not.
func (p *Poster) Allowed(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		// Not quoted: the URL is a capability, and this ends up in logs.
		return fmt.Errorf("callback_url is not an absolute URL")
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && p.AllowInsecure) {
		return fmt.Errorf("callback_url scheme %q: only https is allowed (--callback-allow-insecure allows http)", u.Scheme)
	}
	port := u.Port()
	if port == "" {
		port = defaultPort(u.Scheme)
	}
	if !slices.ContainsFunc(p.AllowedHosts, func(entry string) bool { return entryAllows(entry, u.Scheme, u.Hostname(), port) }) {
		return fmt.Errorf("callback host %s is not allowed (--callback-allow-host; allowed: %s)", excerpt.Quote(net.JoinHostPort(u.Hostname(), port)), strings.Join(p.AllowedHosts, ", "))
	}
	return nil
}

func defaultPort(scheme string) string {
	if scheme == "http" {
		return "80"
	}
	return "443"
}

// entryAllows reports whether the allowlist entry (host, host:port or
// host:*) allows host on port for scheme.
func entryAllows(entry, scheme, host, port string) bool {
	eh, ep, err := net.SplitHostPort(entry)
	if err != nil { // no port: the scheme's
		eh, ep = strings.Trim(entry, "[]"), defaultPort(scheme)
	}
	if ep != "*" && ep != port {
		return false
	}
	if ea, err := netip.ParseAddr(eh); err == nil {
		ha, err := netip.ParseAddr(host)
		return err == nil && ea.Unmap() == ha.Unmap()
	}
	return strings.EqualFold(eh, host)
}

// checkDialled refuses to connect to an address that is loopback,
// link-local, private or otherwise not public, unless the allowlist names
// that address (with its port): it runs on the address actually dialled,
// after name resolution, so that an allowed name cannot be made to
// resolve to an inside address.
func (p *Poster) checkDialled(scheme, address string) error {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("callback: dialling %q, not an address", address)
	}
	ip = ip.Unmap()
	if !(ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsPrivate() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() || cgnat.Contains(ip)) {
		return nil
	}
	if slices.ContainsFunc(p.AllowedHosts, func(entry string) bool { return entryAllows(entry, scheme, ip.String(), port) }) {
		return nil
	}
	return fmt.Errorf("callback refused: its host resolves to %s, a loopback, link-local or private address; list the address itself in --callback-allow-host to allow it", net.JoinHostPort(ip.String(), port))
}

// cgnat is the shared address space of carrier-grade NAT (RFC 6598), not
// public either.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// OutcomeInterrupted is what Post returns when its context ended while the
// callback was still to be retried; it is never recorded.
const OutcomeInterrupted = "interrupted"

// Post sends body to raw until a final answer or out of attempts, calling
// record after each attempt. It returns the outcome: sent, failed, or
// OutcomeInterrupted when ctx ended before either was known.
//
// ctx ends the retries, never an attempt in flight: a POST cut off half
// way may have reached the receiver, and whoever takes the callback over
// would then post it a second time. An attempt is bounded by Timeout
// alone, so a stop or a rebalance waits at most that long, and its answer,
// 2xx or final, is the outcome; only a callback still to be retried is
// interrupted, for the caller to hand on.
func (p *Poster) Post(ctx context.Context, raw string, body CallbackBody, record func(Attempt)) string {
	payload, _ := json.Marshal(body)
	for attempt := 1; ; attempt++ {
		a, retryAfter, final := p.try(ctx, raw, payload)
		if a.Status >= 200 && a.Status < 300 {
			record(a)
			return OutcomeSent
		}
		if final || attempt >= p.MaxAttempts {
			record(a)
			return OutcomeFailed
		}
		wait := p.backoff(attempt)
		if retryAfter > 0 {
			wait = min(retryAfter, p.MaxDelay)
		}
		if ctx.Err() == nil {
			a.NextAt = a.At.Add(a.Duration + wait)
		}
		record(a)
		if ctx.Err() != nil {
			return OutcomeInterrupted
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return OutcomeInterrupted
		}
	}
}

// try makes one attempt; final says whether the answer ends the retries.
func (p *Poster) try(ctx context.Context, raw string, payload []byte) (a Attempt, retryAfter time.Duration, final bool) {
	a.At = time.Now()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.Timeout)
	defer cancel()
	u, _ := url.Parse(raw)
	if u != nil {
		ctx = context.WithValue(ctx, schemeKey{}, u.Scheme)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, raw, bytes.NewReader(payload))
	if err != nil {
		a.Error = reduce(err, raw)
		return a, 0, true
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "hubwire")
	resp, err := p.httpClient().Do(req)
	a.Duration = time.Since(a.At)
	if err != nil {
		a.Error = reduce(err, raw)
		return a, 0, false
	}
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseExcerpt))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	a.Response = strings.ToValidUTF8(string(excerpt), "�")
	a.Status = resp.StatusCode
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return a, retryafter.Parse(resp.Header.Get("Retry-After")), false
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		a.Error = "redirect not followed: " + resp.Header.Get("Location")
		return a, 0, true
	}
	return a, 0, true
}

// reduce is the text of an error of the callback client, logged and
// recorded: the URL reduced to its host wherever it stands.
func reduce(err error, raw string) string {
	return strings.ReplaceAll(redact.Error(err), raw, publicURL(raw))
}

func (p *Poster) httpClient() *http.Client {
	p.clientOnce.Do(func() {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// No proxy: the address checked must be the receiver's own.
		t.Proxy = nil
		t.DialContext = (&net.Dialer{
			Timeout:   30 * time.Second,
			KeepAlive: 30 * time.Second,
			ControlContext: func(ctx context.Context, network, address string, _ syscall.RawConn) error {
				scheme, _ := ctx.Value(schemeKey{}).(string)
				return p.checkDialled(scheme, address)
			},
		}).DialContext
		p.client = &http.Client{
			Transport:     t,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	})
	return p.client
}

// Client is an HTTP client held to the callbacks' rules, for other POSTs
// an operator asks for (the console's replay to a URL): it dials no
// loopback, link-local or private address the allowlist does not name,
// through no proxy, and follows no redirect. Check the URL with Allowed
// first: the client checks the address dialled, not the host.
func (p *Poster) Client() *http.Client {
	c := *p.httpClient()
	c.Transport = schemeTransport{c.Transport}
	return &c
}

// schemeTransport tells the dialler each request's scheme, as try does.
type schemeTransport struct{ base http.RoundTripper }

func (t schemeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.base.RoundTrip(req.WithContext(context.WithValue(req.Context(), schemeKey{}, req.URL.Scheme)))
}

// CheckAddresses resolves raw's host and refuses it, as the dialler would,
// when an address it has is loopback, link-local or private and not
// allowed itself: a refusal said before anything is sent, rather than at
// each attempt.
func (p *Poster) CheckAddresses(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("not an absolute URL")
	}
	port := u.Port()
	if port == "" {
		port = defaultPort(u.Scheme)
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", u.Hostname())
	if err != nil {
		return fmt.Errorf("resolving %s: %w", u.Hostname(), err)
	}
	for _, a := range addrs {
		if err := p.checkDialled(u.Scheme, net.JoinHostPort(a.Unmap().String(), port)); err != nil {
			return err
		}
	}
	return nil
}

// maxResponseExcerpt is how much of a callback's answer is recorded.
const maxResponseExcerpt = 512

// schemeKey carries a request's scheme to the dialler: an entry without a
// port means the scheme's.
type schemeKey struct{}

// backoff is exponential with full jitter.
func (p *Poster) backoff(attempt int) time.Duration {
	d := min(p.BaseDelay<<min(attempt-1, 20), p.MaxDelay)
	return d/2 + rand.N(d/2+1)
}
