// Package redact keeps the secrets that ride in URLs out of what hubwire
// prints, logs and records: a webhook token or a callback's capability in
// the path, credentials in the user info (nats://user:password@host).
package redact

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// Host is raw reduced to its scheme and host; false when raw is not an
// absolute URL.
func Host(raw string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return "", false
	}
	return u.Scheme + "://" + u.Host, true
}

// HostOr is Host, or other when raw is not an absolute URL.
func HostOr(raw, other string) string {
	if h, ok := Host(raw); ok {
		return h
	}
	return other
}

// URLs reduces each of a comma-separated list of broker URLs to its
// scheme and host, the way --broker takes them.
func URLs(list string) string {
	parts := strings.Split(list, ",")
	for i, p := range parts {
		if h, ok := Host(p); ok {
			parts[i] = h
		} else {
			parts[i] = "…"
		}
	}
	return strings.Join(parts, ",")
}

// Error is err's text with the URL of any *url.Error in it (Go's HTTP
// client quotes the whole URL) reduced to its scheme and host. The
// url.Error's text is written anew rather than its URL searched for: it
// quotes the URL with %q, so a URL holding a quote or a backslash stands
// in the text in a form other than its own.
func Error(err error) string {
	msg := err.Error()
	var ue *url.Error
	if !errors.As(err, &ue) {
		return msg
	}
	reduced := "…"
	if h, ok := Host(ue.URL); ok {
		reduced = h + "/…"
	}
	inner := "<nil>"
	if ue.Err != nil {
		inner = ue.Err.Error()
		if ue.URL != "" {
			inner = strings.ReplaceAll(inner, ue.URL, reduced)
		}
	}
	reduced = ue.Op + " " + strconv.Quote(reduced) + ": " + inner
	// The text of an error that wraps it was made already: replace the
	// url.Error's text where it stands, or give only what it says.
	if full := ue.Error(); strings.Contains(msg, full) {
		return strings.ReplaceAll(msg, full, reduced)
	}
	return reduced
}

// Header is the part of a delivery's HTTP headers that may be shown: one
// value each, without those that carry or prove a secret (Authorization,
// cookies, signatures, tokens, keys) and without values that hold a URL's
// path (reduced to the URL's host).
func Header(h map[string][]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		if len(vs) == 0 || secretHeader(k) {
			continue
		}
		v := vs[0]
		if strings.Contains(v, "://") {
			v = HostOr(v, "…") + "/…"
		}
		out[k] = v
	}
	return out
}

// secretHeader reports whether a header's name says it carries or proves
// a secret.
func secretHeader(name string) bool {
	n := strings.ToLower(name)
	for _, word := range []string{"authorization", "cookie", "signature", "token", "secret", "key", "auth", "password", "credential", "hmac"} {
		if strings.Contains(n, word) {
			return true
		}
	}
	return false
}
