package reply

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hubwire/hubwire/internal/redact"
	"github.com/hubwire/hubwire/internal/retryafter"
)

// DefaultAllowedHosts are Docker Hub's callback hosts.
var DefaultAllowedHosts = []string{"registry.hub.docker.com", "hub.docker.com"}

// Poster posts callbacks. The callback URL arrives on an unauthenticated
// webhook, so it is only ever contacted on an allowed host, over https
// unless told otherwise, and redirects (which could lead anywhere) are not
// followed.
type Poster struct {
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
	if !slices.ContainsFunc(p.AllowedHosts, func(h string) bool { return strings.EqualFold(h, u.Hostname()) }) {
		return fmt.Errorf("callback host %q is not allowed (--callback-allow-host; allowed: %s)", u.Hostname(), strings.Join(p.AllowedHosts, ", "))
	}
	return nil
}

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
		record(a)
		if a.Status >= 200 && a.Status < 300 {
			return OutcomeSent
		}
		if final || attempt >= p.MaxAttempts {
			return OutcomeFailed
		}
		if ctx.Err() != nil {
			return OutcomeInterrupted
		}
		wait := p.backoff(attempt)
		if retryAfter > 0 {
			wait = min(retryAfter, p.MaxDelay)
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
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
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
		p.client = &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	})
	return p.client
}

// backoff is exponential with full jitter.
func (p *Poster) backoff(attempt int) time.Duration {
	d := min(p.BaseDelay<<min(attempt-1, 20), p.MaxDelay)
	return d/2 + rand.N(d/2+1)
}
