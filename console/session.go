package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// cookieName is the console's session cookie.
const cookieName = "hubwire_console"

// sessionLife is how long a sign-in lasts.
const sessionLife = 12 * time.Hour

// sessions signs and checks session cookies. A cookie is its expiry and a
// random nonce, signed with a key derived from the token: any replica
// with the same token accepts it (no session store), and a new token ends
// every session.
type sessions struct {
	key []byte
}

func newSessions(token string) sessions {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("hubwire console session v1"))
	return sessions{key: m.Sum(nil)}
}

func (s sessions) mac(parts ...string) []byte {
	m := hmac.New(sha256.New, s.key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

// issue makes a new session's cookie value.
func (s sessions) issue(now time.Time) string {
	var b [8 + 16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.Add(sessionLife).Unix()))
	rand.Read(b[8:])
	body := base64.RawURLEncoding.EncodeToString(b[:])
	return body + "." + base64.RawURLEncoding.EncodeToString(s.mac("session", body))
}

// check returns the session's id (its signed body) when value is a
// cookie this console issued and it has not expired.
func (s sessions) check(value string, now time.Time) (string, bool) {
	body, sig, ok := strings.Cut(value, ".")
	if !ok {
		return "", false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac("session", body)) {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(b) != 24 || now.Unix() >= int64(binary.BigEndian.Uint64(b[:8])) {
		return "", false
	}
	return body, true
}

// csrf is the CSRF token of a session: forms carry it in the field csrf,
// scripts in the X-CSRF-Token header.
func (s sessions) csrf(session string) string {
	return hex.EncodeToString(s.mac("csrf", session))
}

// checkCSRF reports whether req carries its session's CSRF token.
func (s sessions) checkCSRF(req *http.Request, session string) bool {
	got := req.Header.Get("X-CSRF-Token")
	if got == "" {
		got = req.PostFormValue("csrf")
	}
	want := s.csrf(session)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// tokenMatches compares a token typed at sign-in with the API token in
// constant time (over their digests, so that the length leaks nothing).
func tokenMatches(typed, token string) bool {
	a, b := sha256.Sum256([]byte(typed)), sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1 && typed != ""
}

// failures rate-limits wrong tokens, per client address and in all: a few
// tries a minute from one address, a few more from all together, so that
// guessing the token is hopeless and one client cannot lock out others
// for long.
type failures struct {
	mu     sync.Mutex
	byAddr map[string]*rate.Limiter
	all    *rate.Limiter
}

const (
	perAddrPerMinute = 5
	allPerMinute     = 30
)

func newFailures() *failures {
	return &failures{byAddr: map[string]*rate.Limiter{}, all: rate.NewLimiter(rate.Every(time.Minute/allPerMinute), allPerMinute)}
}

func clientAddr(req *http.Request) string {
	host, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		return req.RemoteAddr
	}
	return host
}

func (f *failures) limiter(addr string) *rate.Limiter {
	l, ok := f.byAddr[addr]
	if !ok {
		if len(f.byAddr) > 10000 { // bounded: forget the oldest wholesale
			f.byAddr = map[string]*rate.Limiter{}
		}
		l = rate.NewLimiter(rate.Every(time.Minute/perAddrPerMinute), perAddrPerMinute)
		f.byAddr[addr] = l
	}
	return l
}

// blocked reports how long addr must wait before another try, if it must.
func (f *failures) blocked(addr string, now time.Time) (time.Duration, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range []*rate.Limiter{f.limiter(addr), f.all} {
		if l.TokensAt(now) < 1 {
			r := l.ReserveN(now, 1)
			d := r.DelayFrom(now)
			r.CancelAt(now)
			return max(d, time.Second), true
		}
	}
	return 0, false
}

// failed counts a wrong token from addr.
func (f *failures) failed(addr string, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limiter(addr).AllowN(now, 1)
	f.all.AllowN(now, 1)
}
