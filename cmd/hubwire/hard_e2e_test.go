package main

// Hardening tests (issue 16 and 15): each reproduces a fault an
// adversarial run found, beside the fault tests.

import (
	"bytes"
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

// A sender that gives up while its event is being published must not make
// hubwire abandon the publish halfway (and then answer, and log, that
// nothing was published while the broker stores the event): the publish
// runs to its end within --publish-timeout, whether the sender waits or not.
func TestPublishFinishesWhenTheSenderLeaves(t *testing.T) {
	broker := natstest.StartBroker(t)
	proxy := newTCPProxy(t, strings.TrimPrefix(broker.URL(), "nats://"))
	inst := startHubwire(t, t.TempDir(), "--broker", "nats://"+proxy.addr(), "--publish-timeout", "10s", "--spool-max-bytes", "0")
	proxy.slow(time.Second)
	client := &http.Client{Timeout: 300 * time.Millisecond}
	body := hubDelivery(t, "https://registry.example", "leaves-early")
	if _, err := client.Post(inst.WebhookURL("dockerhub"), "application/json", bytes.NewReader(body)); err == nil {
		t.Fatal("the sender did not give up: the broker answered within 300 ms")
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		m := get(t, inst.PublicURL()+"/metrics")
		if strings.Contains(m, `hubwire_webhook_requests_total{reason="accepted",source="dockerhub",status="202"} 1`) {
			break
		}
		if strings.Contains(m, `status="503"`) || time.Now().After(deadline) {
			t.Fatalf("the delivery whose sender left was not answered 202:\n%s", grepLines(m, "hubwire_webhook_requests_total"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	proxy.slow(0)
	if ids := natsIDs(t, broker.URL(), "HUBWIRE_EVENTS"); len(ids) != 1 {
		t.Errorf("the stream holds %v, want the one event", ids)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
