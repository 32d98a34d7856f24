package console

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter/reply"
)

// A session cookie is accepted until it expires, refused when tampered
// with or signed for another token; the CSRF token belongs to its session.
func TestSessions(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	s := newSessions("token-one-0123456789")
	v := s.issue(now)
	id, ok := s.check(v, now.Add(time.Hour))
	if !ok {
		t.Fatal("a fresh session refused")
	}
	if _, ok := s.check(v, now.Add(sessionLife)); ok {
		t.Error("an expired session accepted")
	}
	if _, ok := newSessions("token-two-0123456789").check(v, now); ok {
		t.Error("a session of another token accepted")
	}
	if _, ok := s.check("x"+v, now); ok {
		t.Error("a tampered session accepted")
	}
	if strings.Contains(v, "token-one") {
		t.Error("the cookie holds the token")
	}
	other, _ := s.check(s.issue(now), now)
	if s.csrf(id) == s.csrf(other) {
		t.Error("two sessions share a CSRF token")
	}
	req := httptest.NewRequest("POST", "/console/logout", strings.NewReader(url.Values{"csrf": {s.csrf(id)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if !s.checkCSRF(req, id) {
		t.Error("the session's CSRF token refused")
	}
	req = httptest.NewRequest("POST", "/console/logout", nil)
	req.Header.Set("X-CSRF-Token", s.csrf(other))
	if s.checkCSRF(req, id) {
		t.Error("another session's CSRF token accepted")
	}
}

// Wrong tokens from one address are limited after a few; others can
// still try.
func TestFailuresLimited(t *testing.T) {
	f := newFailures()
	now := time.Now()
	for range perAddrPerMinute {
		if _, blocked := f.blocked("10.0.0.1", now); blocked {
			t.Fatal("blocked too early")
		}
		f.failed("10.0.0.1", now)
	}
	if wait, blocked := f.blocked("10.0.0.1", now); !blocked || wait < time.Second {
		t.Errorf("after %d wrong tokens: blocked %v, wait %v", perAddrPerMinute, blocked, wait)
	}
	if _, blocked := f.blocked("10.0.0.2", now); blocked {
		t.Error("another address blocked")
	}
	if !tokenMatches("abc", "abc") || tokenMatches("", "") || tokenMatches("abd", "abc") {
		t.Error("tokenMatches")
	}
}

// The detail of an event shows the callback URL's host, never its path,
// and "copy as curl" leaves the token to the user.
func TestDetailHidesSecrets(t *testing.T) {
	rec := reply.Record{ID: "e1", Source: "dockerhub", Subject: "acme/api:1.4", CallbackURL: "https://registry.hub.docker.com/u/acme/api/hook/s3cret-capability/",
		Event:    []byte(`{"specversion":"1.0","id":"e1","type":"com.docker.hub.push","data":{"payload":{"push_data":{"tag":"1.4"},"callback_url_gone":true}}}`),
		Header:   map[string]string{"Content-Type": "application/json"},
		Decision: &reply.Decision{State: reply.Success}, Callback: reply.Callback{Outcome: reply.OutcomeSent}}
	d := newDetail(rec, "https://hooks.example.com", true)
	if d.Callback != "https://registry.hub.docker.com/…" {
		t.Errorf("callback shown as %q", d.Callback)
	}
	if !d.CanRedo {
		t.Error("a sent callback cannot be redelivered")
	}
	if !strings.Contains(d.Curl, "https://hooks.example.com/hooks/dockerhub/$HUBWIRE_TOKEN") || !strings.Contains(d.Curl, `"tag": "1.4"`) || strings.Contains(d.Curl, "s3cret") {
		t.Errorf("curl:\n%s", d.Curl)
	}
	rec.Callback.Outcome = reply.OutcomePosting
	if d := newDetail(rec, "", true); d.CanRedo {
		t.Error("redeliver offered while a callback is being posted")
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{{time.Second, "just now"}, {30 * time.Second, "30s ago"}, {5 * time.Minute, "5m ago"}, {3 * time.Hour, "3h ago"}, {3 * 24 * time.Hour, "3d ago"}, {-2 * time.Minute, "in 2m"}, {400 * 24 * time.Hour, "28 Oct 2025"}} {
		if got := ago(now, now.Add(-tt.d)); got != tt.want {
			t.Errorf("ago(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
