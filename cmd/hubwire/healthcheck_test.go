package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthcheck: exit 0 when serve is ready, 1 when it is not or
// cannot be reached; HUBWIRE_HTTP_ADDR on all interfaces is asked on
// loopback, as in the container.
func TestHealthcheck(t *testing.T) {
	inst := startHubwire(t, t.TempDir())
	_, port, _ := net.SplitHostPort(inst.HTTPAddr().String())
	env := func(k string) string {
		return map[string]string{"HUBWIRE_HTTP_ADDR": "0.0.0.0:" + port}[k]
	}
	if code, out, errOut := runCmd(env, "healthcheck"); code != 0 || !strings.Contains(out, "ready") {
		t.Errorf("ready serve: exit %d, %q %q", code, out, errOut)
	}

	notReady := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			t.Errorf("asked %s", r.URL.Path)
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"error":"stream HUBWIRE_EVENTS: stream not found","status":"unavailable"}`))
	}))
	defer notReady.Close()
	code, _, errOut := runCmd(noEnv, "healthcheck", "--http-addr", notReady.Listener.Addr().String())
	if code != 1 || !strings.Contains(errOut, "503") || !strings.Contains(errOut, "stream not found") {
		t.Errorf("unready serve: exit %d, %q", code, errOut)
	}
	notReady.Close()
	if code, _, errOut := runCmd(noEnv, "healthcheck", "--http-addr", notReady.Listener.Addr().String()); code != 1 || !strings.Contains(errOut, "not healthy") {
		t.Errorf("no serve: exit %d, %q", code, errOut)
	}
}
