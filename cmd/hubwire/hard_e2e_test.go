package main

// Hardening tests (issue 16 and 15): each reproduces a fault an
// adversarial run found, beside the fault tests.

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/sinks/nats/natstest"
)

// A broker that accepts the connection and never answers leaves the spool
// to carry the load: /readyz must say ready (each check has its own
// deadline), name what is wrong with the broker, and never say "ready"
// beside an error.
func TestReadyWhileTheBrokerHangs(t *testing.T) {
	broker := natstest.StartBroker(t)
	proxy := newTCPProxy(t, strings.TrimPrefix(broker.URL(), "nats://"))
	inst := startHubwire(t, t.TempDir(), "--broker", "nats://"+proxy.addr(), "--publish-timeout", "2s")
	addr := inst.HTTPAddr().String()
	if status, body := readiness(addr); status != http.StatusOK || body["status"] != "ready" || body["broker"] != "ready" {
		t.Fatalf("/readyz before the broker hangs: %d %v", status, body)
	}
	proxy.silence()
	began := time.Now()
	status, body := readiness(addr)
	took := time.Since(began)
	if status != http.StatusOK || body["status"] != "ready" || body["error"] != nil || !contains(body["broker"], "spooled") || body["spool"] == nil {
		t.Errorf("/readyz with the broker hung and the spool empty: %d %v (took %v); want 200, ready, the broker's trouble named apart from any error", status, body, took)
	}
	// And a delivery is indeed answered 2xx now.
	out := load(t, inst.WebhookURL("dockerhub"), 1, 1, nil)
	if out[0].status != http.StatusAccepted || !out[0].spooled {
		t.Errorf("a delivery while the broker hangs: %+v, want 202 spooled", out[0])
	}
	proxy.resume()
}
