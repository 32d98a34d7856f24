package main

// Hardening tests (issue 16 and 15): each reproduces a fault an
// adversarial run found, beside the fault tests.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/server"
	"github.com/hubwire/hubwire/sinks/nats/natstest"
	"github.com/twmb/franz-go/pkg/kfake"
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

// externalDown is an external broker, NATS or Kafka (kfake), that is down
// until up is called; url is what --broker names.
type externalDown struct {
	url string
	up  func()
	ids func() map[string]int
	// once: the broker drops a repeated id (NATS); Kafka is at least once.
	once bool
}

func brokersDown(t *testing.T) map[string]func(t *testing.T) externalDown {
	return map[string]func(t *testing.T) externalDown{
		"NATS": func(t *testing.T) externalDown {
			b := natstest.StartBroker(t)
			b.Stop()
			return externalDown{url: b.URL(), up: b.Start, once: true, ids: func() map[string]int { return natsIDs(t, b.URL(), "HUBWIRE_EVENTS") }}
		},
		"Kafka": func(t *testing.T) externalDown {
			port := freePorts(t, 1)[0]
			addr := fmt.Sprintf("127.0.0.1:%d", port)
			d := externalDown{url: "kafka://" + addr}
			d.up = func() {
				c, err := kfake.NewCluster(kfake.Ports(port), kfake.SeedTopics(3, "hubwire.events"))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(c.Close)
			}
			d.ids = func() map[string]int {
				found := map[string]int{}
				kafkaIDs(t, addr, "hubwire.events", found)
				return found
			}
			return d
		},
	}
}

// With a spool, hubwire starts while its external broker is down: it
// spools, and forwards once the broker is reachable (its streams or
// topics checked then).
func TestStartsWhileTheBrokerIsDown(t *testing.T) {
	for name, down := range brokersDown(t) {
		t.Run(name, func(t *testing.T) {
			b := down(t)
			inst := startHubwire(t, t.TempDir(), "--broker", b.url, "--publish-timeout", "2s")
			out := load(t, inst.WebhookURL("dockerhub"), 20, 4, nil)
			if n := spooledCount(out); n != len(out) {
				t.Errorf("%d of %d deliveries spooled while the broker was down since the start", n, len(out))
			}
			if status, body := readiness(inst.HTTPAddr().String()); status != http.StatusOK || !contains(body["broker"], "not been reachable") {
				t.Errorf("/readyz with the broker down since the start: %d %v", status, body)
			}
			b.up()
			drained(t, inst)
			tally(t, "started with the "+name+" broker down", out, b.ids(), b.once)
		})
	}
}

// Without a spool, hubwire says in its log that it waits for the broker,
// keeps trying, and starts once the broker is there.
func TestWaitsForTheBrokerWithoutASpool(t *testing.T) {
	for name, down := range brokersDown(t) {
		t.Run(name, func(t *testing.T) {
			b := down(t)
			var logs syncBuffer
			cfg, err := parseServe([]string{"--http-addr", "127.0.0.1:0", "--nats-addr", "127.0.0.1:0", "--data-dir", t.TempDir(),
				"--broker", b.url, "--spool-max-bytes", "0", "--publish-timeout", "2s"}, io.Discard, noEnv)
			if err != nil {
				t.Fatal(err)
			}
			started := make(chan error, 1)
			var inst *server.Server
			go func() {
				var err error
				inst, err = start(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, nil)))
				started <- err
			}()
			deadline := time.Now().Add(30 * time.Second)
			for !strings.Contains(logs.String(), "waiting for the broker") {
				select {
				case err := <-started:
					t.Fatalf("hubwire started (%v) while the broker was down, without saying it waits", err)
				default:
				}
				if time.Now().After(deadline) {
					t.Fatalf("no word of waiting for the broker in the log:\n%s", logs.String())
				}
				time.Sleep(50 * time.Millisecond)
			}
			b.up()
			select {
			case err := <-started:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(60 * time.Second):
				t.Fatalf("hubwire did not start within a minute of the broker coming up:\n%s", logs.String())
			}
			t.Cleanup(func() { inst.Shutdown(context.Background()) })
			out := load(t, inst.WebhookURL("dockerhub"), 5, 1, nil)
			tally(t, "waited for the "+name+" broker", out, b.ids(), b.once)
			if n := len(out) - spooledCount(out); n != 5 || out[0].status != http.StatusAccepted {
				t.Errorf("deliveries once the broker is up: %+v", out)
			}
		})
	}
}
