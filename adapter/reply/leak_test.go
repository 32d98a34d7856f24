package reply

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestNetworkErrorsLeaveThePathOut: whatever way an attempt fails on the
// network (refused, timed out, cut off, a certificate not trusted), the
// log and the record (as stored and as GET /api/events/<id> shows it)
// name the callback's host and never its path, however the path is
// spelled: Go's *url.Error quotes the URL with %q, so a quote or a
// backslash in it must not defeat the reduction.
func TestNetworkErrorsLeaveThePathOut(t *testing.T) {
	hung := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-hung }))
	defer hang.Close()
	defer close(hung)
	badTLS := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer badTLS.Close()
	// Reads the request and hangs up without an answer (EOF).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Read(make([]byte, 4096))
			c.Close()
		}
	}()
	refused, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusedURL := "http://" + refused.Addr().String()
	refused.Close()

	for name, base := range map[string]string{"refused": refusedURL, "timeout": hang.URL, "eof": "http://" + ln.Addr().String(), "tls": badTLS.URL} {
		for _, path := range []string{secretPath, `/u/a/b/hook/secret-capability/?t="secret-capability"`, `/u/a/b/hook/secret-capability\x?q=\`} {
			t.Run(name, func(t *testing.T) {
				srv := newCallbackServer(t, 200)
				et := newEngineTest(t, srv, time.Minute)
				et.Poster.MaxAttempts, et.Poster.Timeout = 1, 300*time.Millisecond
				rec := et.recs.get(et.id)
				rec.CallbackURL = base + path
				et.recs.set(rec)
				res, err := et.Callback(context.Background(), et.id, nil)
				if err != nil || res.Outcome != OutcomeFailed {
					t.Fatalf("result %+v, %v", res, err)
				}
				rec = et.recs.get(et.id)
				if len(rec.Callback.Attempts) != 1 || rec.Callback.Attempts[0].Error == "" {
					t.Fatalf("attempts %+v", rec.Callback.Attempts)
				}
				for what, text := range map[string]string{"stored record": rec.Callback.Attempts[0].Error, "API": mustJSON(t, rec.Public()), "log": et.log.String()} {
					if strings.Contains(text, "secret-capability") || strings.Contains(text, "u/a/b/hook") {
						t.Errorf("the %s holds the callback URL's path:\n%s", what, text)
					}
				}
				if !strings.Contains(rec.Callback.Attempts[0].Error, base+"/…") {
					t.Errorf("attempt error %q does not name the host %s", rec.Callback.Attempts[0].Error, base)
				}
			})
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
