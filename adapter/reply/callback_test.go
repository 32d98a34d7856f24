package reply

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// callbackServer answers with the given statuses in turn (the last one
// for ever after) and records what it got.
type callbackServer struct {
	*httptest.Server
	mu       sync.Mutex
	bodies   []CallbackBody
	times    []time.Time
	statuses []int
	header   http.Header
}

func newCallbackServer(t *testing.T, statuses ...int) *callbackServer {
	s := &callbackServer{statuses: statuses, header: http.Header{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b CallbackBody
		json.NewDecoder(r.Body).Decode(&b)
		s.mu.Lock()
		n := len(s.bodies)
		s.bodies = append(s.bodies, b)
		s.times = append(s.times, time.Now())
		status := s.statuses[min(n, len(s.statuses)-1)]
		for k, v := range s.header {
			w.Header()[k] = v
		}
		s.mu.Unlock()
		if status == http.StatusFound {
			w.Header().Set("Location", "http://169.254.169.254/latest/meta-data/")
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *callbackServer) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.bodies)
}

func testPoster() *Poster {
	return &Poster{AllowedHosts: []string{"127.0.0.1:*"}, AllowInsecure: true, Timeout: 2 * time.Second, MaxAttempts: 4, BaseDelay: 10 * time.Millisecond, MaxDelay: 2 * time.Second}
}

func post(p *Poster, url string) (string, []Attempt) {
	var attempts []Attempt
	out := p.Post(context.Background(), url, CallbackBody{State: Success, Description: "387 tests PASSED", Context: "Acme CI", TargetURL: "https://ci.acme.com/r/1"},
		func(a Attempt) { attempts = append(attempts, a) })
	return out, attempts
}

func TestPostSendsTheBodyOnce(t *testing.T) {
	s := newCallbackServer(t, 200)
	out, attempts := post(testPoster(), s.URL+"/u/a/b/hook/x/")
	if out != OutcomeSent || len(attempts) != 1 || attempts[0].Status != 200 || s.calls() != 1 {
		t.Fatalf("%s %+v", out, attempts)
	}
	if b := s.bodies[0]; b != (CallbackBody{State: "success", Description: "387 tests PASSED", Context: "Acme CI", TargetURL: "https://ci.acme.com/r/1"}) {
		t.Errorf("body %+v", b)
	}
}

func TestPostRetries5xxThenSucceeds(t *testing.T) {
	s := newCallbackServer(t, 503, 502, 200)
	out, attempts := post(testPoster(), s.URL)
	if out != OutcomeSent || len(attempts) != 3 || attempts[0].Status != 503 || attempts[2].Status != 200 {
		t.Errorf("%s %+v", out, attempts)
	}
}

func TestPostHonoursRetryAfter(t *testing.T) {
	s := newCallbackServer(t, 429, 200)
	s.header.Set("Retry-After", "1")
	out, _ := post(testPoster(), s.URL)
	if out != OutcomeSent || s.calls() != 2 {
		t.Fatalf("%s after %d calls", out, s.calls())
	}
	// The backoff alone would wait about 10ms; Retry-After asked for 1s.
	if gap := s.times[1].Sub(s.times[0]); gap < 900*time.Millisecond {
		t.Errorf("retried after %v despite Retry-After: 1", gap)
	}
}

func TestPost4xxIsFinal(t *testing.T) {
	s := newCallbackServer(t, 400)
	out, attempts := post(testPoster(), s.URL)
	if out != OutcomeFailed || len(attempts) != 1 || s.calls() != 1 {
		t.Errorf("%s %+v", out, attempts)
	}
}

func TestPostGivesUpAfterMaxAttempts(t *testing.T) {
	s := newCallbackServer(t, 500)
	out, attempts := post(testPoster(), s.URL)
	if out != OutcomeFailed || len(attempts) != 4 || s.calls() != 4 {
		t.Errorf("%s %d attempts, %d calls", out, len(attempts), s.calls())
	}
}

func TestPostDoesNotFollowRedirects(t *testing.T) {
	s := newCallbackServer(t, http.StatusFound)
	out, attempts := post(testPoster(), s.URL)
	if out != OutcomeFailed || len(attempts) != 1 || !strings.Contains(attempts[0].Error, "redirect not followed") {
		t.Errorf("%s %+v", out, attempts)
	}
}

func TestPostNetworkErrorRetried(t *testing.T) {
	s := newCallbackServer(t, 200)
	url := s.URL
	s.Close()
	out, attempts := post(testPoster(), url)
	if out != OutcomeFailed || len(attempts) != 4 || attempts[0].Error == "" {
		t.Errorf("%s %+v", out, attempts)
	}
}

// TestPostFinishesTheAttemptInFlight: a stop or a rebalance in the middle
// of a POST lets it finish and reports its answer when it is final (2xx
// or 4xx), so that nobody posts the callback again; it only prevents
// further attempts.
func TestPostFinishesTheAttemptInFlight(t *testing.T) {
	want := map[int]string{200: OutcomeSent, 400: OutcomeFailed, 503: OutcomeInterrupted}
	for _, status := range []int{200, 400, 503} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			// The registry answers only once the caller's context ended
			// with the POST in flight.
			arrived, cancelled := make(chan struct{}), make(chan struct{})
			var once sync.Once
			var calls sync.Mutex
			n := 0
			s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Lock()
				n++
				calls.Unlock()
				once.Do(func() { close(arrived) })
				<-cancelled
				w.WriteHeader(status)
			}))
			defer s.Close()
			ctx, cancel := context.WithCancel(context.Background())
			go func() { <-arrived; cancel(); close(cancelled) }()
			var attempts []Attempt
			out := testPoster().Post(ctx, s.URL, CallbackBody{State: Success}, func(a Attempt) { attempts = append(attempts, a) })
			calls.Lock()
			defer calls.Unlock()
			if out != want[status] || n != 1 || len(attempts) != 1 || attempts[0].Status != status {
				t.Errorf("outcome %s after %d POSTs, attempts %+v; want %s after one POST answered %d", out, n, attempts, want[status], status)
			}
		})
	}
}

func TestAllowed(t *testing.T) {
	p := &Poster{AllowedHosts: DefaultAllowedHosts}
	for url, says := range map[string]string{
		"https://registry.hub.docker.com/u/a/b/hook/x/": "",
		"https://HUB.docker.com/x":                      "",
		"http://registry.hub.docker.com/u/a/b/hook/x/":  "only https",
		"https://169.254.169.254/latest/meta-data/":     `host "169.254.169.254:443" is not allowed`,
		"https://registry.hub.docker.com.evil.example/": "is not allowed",
		"/relative": "not an absolute URL",
	} {
		err := p.Allowed(url)
		if says == "" && err != nil || says != "" && (err == nil || !strings.Contains(err.Error(), says)) {
			t.Errorf("Allowed(%q) = %v, want %q", url, err, says)
		}
	}
}

// An attempt's error, as Go's HTTP client words it, names the URL; the
// attempt is logged and recorded, so the path (a capability) is cut.
func TestAttemptErrorsLeaveThePathOut(t *testing.T) {
	s := newCallbackServer(t, 200)
	url := s.URL + "/u/a/b/hook/secret-capability/"
	s.Close()
	p := testPoster()
	p.MaxAttempts = 1
	_, attempts := post(p, url)
	if len(attempts) != 1 || !strings.Contains(attempts[0].Error, s.URL+"/…") || strings.Contains(attempts[0].Error, "secret-capability") {
		t.Errorf("attempt error %q", attempts[0].Error)
	}
	if err := p.Allowed("/u/a/b/hook/secret-capability/"); err == nil || strings.Contains(err.Error(), "secret-capability") {
		t.Errorf("Allowed: %v", err)
	}
}

// TestAllowedPorts: an entry without a port allows the scheme's; host:port
// that port; host:* any.
func TestAllowedPorts(t *testing.T) {
	p := &Poster{AllowedHosts: []string{"hooks.example.com", "ci.example.com:8443", "any.example.com:*", "[::1]:9000", "10.0.0.5"}, AllowInsecure: true}
	for url, ok := range map[string]bool{
		"https://hooks.example.com/x":      true,
		"https://hooks.example.com:443/x":  true,
		"https://hooks.example.com:8443/x": false,
		"http://hooks.example.com/x":       true, // port 80, http's own
		"http://hooks.example.com:443/x":   false,
		"https://ci.example.com:8443/x":    true,
		"https://ci.example.com/x":         false,
		"https://any.example.com:1/x":      true,
		"http://[::1]:9000/x":              true,
		"http://[::1]:9001/x":              false,
		"https://10.0.0.5/x":               true,
		"https://10.0.0.5:22/x":            false,
	} {
		if err := p.Allowed(url); (err == nil) != ok {
			t.Errorf("Allowed(%s) = %v, want allowed %v", url, err, ok)
		}
	}
}

// TestDialledAddressChecked: an allowed name that resolves to a loopback
// (or private, link-local) address is refused when dialled, with nothing
// sent; the same address listed itself is contacted. The check is on the
// address dialled, so DNS rebinding cannot get around it.
func TestDialledAddressChecked(t *testing.T) {
	s := newCallbackServer(t, 200)
	_, port, _ := strings.Cut(strings.TrimPrefix(s.URL, "http://"), ":")
	byName := "http://localhost:" + port + "/hook"
	p := testPoster()
	p.MaxAttempts = 1
	p.AllowedHosts = []string{"localhost:*"}
	if err := p.Allowed(byName); err != nil {
		t.Fatal(err)
	}
	out, attempts := post(p, byName)
	if out != OutcomeFailed || s.calls() != 0 || len(attempts) != 1 || !strings.Contains(attempts[0].Error, "a loopback, link-local or private address") {
		t.Errorf("allowed name resolving to loopback: %s after %d POSTs, %+v", out, s.calls(), attempts)
	}
	// Listed as an address (its port or any): contacted.
	for _, entry := range []string{"127.0.0.1:" + port, "127.0.0.1:*"} {
		p := testPoster()
		p.AllowedHosts = []string{"localhost:*", entry}
		if out, attempts := post(p, byName); out != OutcomeSent {
			t.Errorf("with %s listed: %s %+v", entry, out, attempts)
		}
	}
	// Another port of the listed address is not.
	p = testPoster()
	p.MaxAttempts = 1
	p.AllowedHosts = []string{"localhost:*", "127.0.0.1:1"}
	if out, _ := post(p, byName); out != OutcomeFailed {
		t.Errorf("another port of a listed address: %s", out)
	}
	// Link-local and private addresses too (the attempt fails before any
	// packet is sent: the check runs before connect).
	for _, addr := range []string{"169.254.169.254", "10.1.2.3", "192.168.1.1", "[fd00::1]", "100.64.0.1"} {
		p := testPoster()
		p.MaxAttempts = 1
		p.AllowedHosts = []string{"x"} // the name check is Allowed's; here only the dial
		_, attempts := post(p, "http://"+addr+"/")
		if len(attempts) != 1 || !strings.Contains(attempts[0].Error, "a loopback, link-local or private address") {
			t.Errorf("%s: %+v", addr, attempts)
		}
	}
}
