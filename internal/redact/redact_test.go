package redact

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	if h, ok := Host("https://hook.example.com/hooks/dtr/s3cret-token?x=1"); h != "https://hook.example.com" || !ok {
		t.Errorf("Host: %q %v", h, ok)
	}
	if _, ok := Host("not a url"); ok {
		t.Error("Host took a relative reference")
	}
	if got := URLs("nats://hub:p4ss@a:4222, tls://b:4222,kafka"); got != "nats://a:4222,tls://b:4222,…" {
		t.Errorf("URLs: %q", got)
	}
	err := fmt.Errorf("posting: %w", &url.Error{Op: "Post", URL: "https://u:p@cb.example.com/u/a/b/hook/capability/", Err: errors.New("connection refused")})
	if got := Error(err); strings.Contains(got, "capability") || strings.Contains(got, "u:p") || !strings.Contains(got, "https://cb.example.com/…") {
		t.Errorf("Error: %q", got)
	}
}

func TestHeader(t *testing.T) {
	got := Header(map[string][]string{
		"Content-Type":        {"application/json"},
		"Authorization":       {"Bearer s3cret"},
		"X-Hub-Signature-256": {"sha256=abc"},
		"X-Registry-Token":    {"t"},
		"Cookie":              {"a=b"},
		"Referer":             {"https://ci.example.com/hook/s3cret"},
		"User-Agent":          {"Go-http-client/1.1"},
	})
	want := map[string]string{"Content-Type": "application/json", "Referer": "https://ci.example.com/…", "User-Agent": "Go-http-client/1.1"}
	if len(got) != len(want) {
		t.Fatalf("Header = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Header[%s] = %q, want %q", k, got[k], v)
		}
	}
}

// A URL that %q quotes differently from its own text (a quote or a
// backslash in its query) is reduced all the same.
func TestErrorQuotedURL(t *testing.T) {
	for _, raw := range []string{`https://cb.example.com/hook/capability?t="capability"`, `https://cb.example.com/hook/capability\x?q=\`} {
		err := fmt.Errorf("attempt: %w", &url.Error{Op: "Post", URL: raw, Err: errors.New("EOF")})
		if got := Error(err); got != `attempt: Post "https://cb.example.com/…": EOF` {
			t.Errorf("Error(%q) = %q", raw, got)
		}
	}
}
