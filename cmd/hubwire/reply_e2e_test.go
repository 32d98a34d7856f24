package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"

	"github.com/hubwire/hubwire/adapter/dockerhub"
	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/server"
	"github.com/hubwire/hubwire/sinks/nats/natstest"
)

// registryCallbacks is a stand-in for Docker Hub's callback endpoint: a
// real HTTP server that answers with the given statuses in turn.
type registryCallbacks struct {
	*httptest.Server
	mu       sync.Mutex
	bodies   []map[string]any
	statuses []int
	// retryAfter, when set, goes with every 503.
	retryAfter string
}

func newRegistryCallbacks(t *testing.T, statuses ...int) *registryCallbacks {
	r := &registryCallbacks{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body map[string]any
		json.NewDecoder(req.Body).Decode(&body)
		r.mu.Lock()
		status := r.statuses[min(len(r.bodies), len(r.statuses)-1)]
		r.bodies = append(r.bodies, body)
		if status == http.StatusServiceUnavailable && r.retryAfter != "" {
			w.Header().Set("Retry-After", r.retryAfter)
		}
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *registryCallbacks) received() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.bodies...)
}

var allowTestCallbacks = []string{"--callback-allow-host", "127.0.0.1:*", "--callback-allow-insecure"}

// hubDelivery is a real Docker Hub delivery for a new push whose
// callback_url points at cb.
func hubDelivery(t *testing.T, cb string, tag string) []byte {
	t.Helper()
	raw, err := dockerhub.Samples.ReadFile("samples/real-2021.json")
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	json.Unmarshal(raw, &d)
	d["callback_url"] = cb + "/u/fireflyiii/core/hook/2bda0e2f204fj42egeb225d5ca2fa0eb1/"
	d["push_data"].(map[string]any)["tag"] = tag
	out, _ := json.Marshal(d)
	return out
}

func deliver(t *testing.T, inst *server.Server, body []byte) string {
	t.Helper()
	a := post(t, inst.WebhookURL("dockerhub"), "application/json", body)
	if a.status != http.StatusAccepted {
		t.Fatalf("delivery: %d %v", a.status, a.body)
	}
	return a.body["id"].(string)
}

// ackCLI runs hubwire ack as a user would.
func ackCLI(t *testing.T, natsURL string, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := run(context.Background(), append([]string{"ack"}, append(args, "--broker", natsURL)...), &out, &out, noEnv)
	return code, out.String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func eventRecord(t *testing.T, inst *server.Server, id string) reply.Record {
	t.Helper()
	rec, err := getRecord(inst, id)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// natsURLOf is the embedded server's URL with hubwire's login in it, as a
// consumer given the password connects.
func natsURLOf(inst *server.Server) string {
	user, pw := inst.EmbeddedLogin()
	return natstest.WithLogin(inst.EmbeddedURL(), user, pw)
}

func TestAckBecomesOneCallback(t *testing.T) {
	cb := newRegistryCallbacks(t, 200)
	inst := startHubwire(t, t.TempDir(), allowTestCallbacks...)
	id := deliver(t, inst, hubDelivery(t, cb.URL, "v1"))

	code, out := ackCLI(t, natsURLOf(inst), id, "--state", "success", "--description", "387 tests PASSED", "--context", "Continuous integration by Acme CI",
		"--target-url", "https://ci.acme.com/results/afd339c1c3d27", "--consumer", "ci")
	if code != 0 || !strings.Contains(out, "taken") {
		t.Fatalf("hubwire ack: %d %s", code, out)
	}
	waitFor(t, "the callback", func() bool { return len(cb.received()) == 1 })
	want := map[string]any{"state": "success", "description": "387 tests PASSED", "context": "Continuous integration by Acme CI", "target_url": "https://ci.acme.com/results/afd339c1c3d27"}
	if got := cb.received()[0]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("callback body %v, want %v", got, want)
	}

	// A second ack is taken and recorded, and makes no second callback.
	if code, out := ackCLI(t, natsURLOf(inst), id, "--state", "failure", "--consumer", "ci"); code != 0 {
		t.Fatalf("second ack: %d %s", code, out)
	}
	waitFor(t, "the second ack in the record", func() bool { return len(eventRecord(t, inst, id).Acks) == 2 })
	time.Sleep(300 * time.Millisecond)
	if n := len(cb.received()); n != 1 {
		t.Errorf("%d callbacks for one event", n)
	}
	rec := eventRecord(t, inst, id)
	if rec.Callback.Outcome != reply.OutcomeSent || len(rec.Callback.Attempts) != 1 || rec.Callback.Attempts[0].Status != 200 ||
		rec.Stored.Stream != "HUBWIRE_EVENTS" || rec.Decision == nil || rec.Decision.State != "success" {
		t.Errorf("record %+v", rec)
	}
	if strings.Contains(rec.CallbackURL, "/hook/") {
		t.Errorf("the API shows the callback URL: %s", rec.CallbackURL)
	}
	resp, err := http.Get(inst.PublicURL() + "/api/events/" + id)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("record served without the token: %d", resp.StatusCode)
	}
}

func TestRequiredConsumersDecide(t *testing.T) {
	cb := newRegistryCallbacks(t, 200)
	inst := startHubwire(t, t.TempDir(), append(allowTestCallbacks, "--required-consumers", "ci,scanner", "--ack-timeout", "2s")...)
	both := deliver(t, inst, hubDelivery(t, cb.URL, "both"))
	failed := deliver(t, inst, hubDelivery(t, cb.URL, "failed"))
	silent := deliver(t, inst, hubDelivery(t, cb.URL, "silent"))
	url := natsURLOf(inst)
	for _, a := range [][]string{
		{both, "--consumer", "ci", "--state", "success", "--description", "tests passed"},
		{both, "--consumer", "scanner", "--state", "success", "--description", "no critical"},
		{failed, "--consumer", "ci", "--state", "success"},
		{failed, "--consumer", "scanner", "--state", "failure", "--description", "2 critical"},
		{silent, "--consumer", "ci", "--state", "success"},
	} {
		if code, out := ackCLI(t, url, a...); code != 0 {
			t.Fatalf("ack %v: %s", a, out)
		}
	}
	waitFor(t, "three callbacks", func() bool { return len(cb.received()) == 3 })
	for id, want := range map[string]reply.Decision{
		both:   {State: "success", Description: "ci: tests passed; scanner: no critical", Context: "hubwire: ci, scanner"},
		failed: {State: "failure", Description: "scanner: 2 critical"},
		silent: {State: "error", Description: "no answer from scanner within 2s", Context: "hubwire"},
	} {
		d := eventRecord(t, inst, id).Decision
		if d == nil || d.State != want.State || d.Description != want.Description || d.Context != want.Context {
			t.Errorf("%s: decision %+v, want %+v", id, d, want)
		}
	}
	states := map[string]int{}
	for _, b := range cb.received() {
		states[b["state"].(string)]++
	}
	if states["success"] != 1 || states["failure"] != 1 || states["error"] != 1 {
		t.Errorf("callbacks by state %v", states)
	}
}

func TestCallbackRetriedThenFinal(t *testing.T) {
	flaky := newRegistryCallbacks(t, 503, 200)
	refusing := newRegistryCallbacks(t, 400)
	inst := startHubwire(t, t.TempDir(), allowTestCallbacks...)
	a := deliver(t, inst, hubDelivery(t, flaky.URL, "flaky"))
	b := deliver(t, inst, hubDelivery(t, refusing.URL, "refusing"))
	for _, id := range []string{a, b} {
		if code, out := ackCLI(t, natsURLOf(inst), id, "--state", "success"); code != 0 {
			t.Fatal(out)
		}
	}
	waitFor(t, "both outcomes", func() bool {
		return eventRecord(t, inst, a).Callback.Outcome == reply.OutcomeSent && eventRecord(t, inst, b).Callback.Outcome == reply.OutcomeFailed
	})
	if n := len(flaky.received()); n != 2 {
		t.Errorf("503 then 200: %d calls", n)
	}
	if n := len(refusing.received()); n != 1 {
		t.Errorf("400 is final, yet %d calls", n)
	}
	if at := eventRecord(t, inst, a).Callback.Attempts; len(at) != 2 || at[0].Status != 503 || at[1].Status != 200 {
		t.Errorf("attempts %+v", at)
	}
}

func TestDisallowedCallbackNeverContacted(t *testing.T) {
	cb := newRegistryCallbacks(t, 200)
	// Default allowlist (Docker Hub's hosts); http allowed, so that the
	// host is what refuses.
	inst := startHubwire(t, t.TempDir(), "--callback-allow-insecure")
	id := deliver(t, inst, hubDelivery(t, cb.URL, "v1"))
	if code, out := ackCLI(t, natsURLOf(inst), id, "--state", "success"); code != 0 {
		t.Fatal(out)
	}
	waitFor(t, "the refusal", func() bool { return eventRecord(t, inst, id).Callback.Outcome == reply.OutcomeRefused })
	if n := len(cb.received()); n != 0 {
		t.Errorf("a host off the allowlist got %d requests", n)
	}
	if note := eventRecord(t, inst, id).Callback.Note; !strings.Contains(note, `host "127.0.0.1:`) {
		t.Errorf("refusal not recorded: %q", note)
	}
}

func TestInvalidAcksGetTheirReason(t *testing.T) {
	inst := startHubwire(t, t.TempDir())
	url := natsURLOf(inst)
	if code, out := ackCLI(t, url, "build-42", "--state", "success"); code != 1 || !strings.Contains(out, `event_id "build-42" is not a hubwire event id`) {
		t.Errorf("not an event id: %d %s", code, out)
	}
	if code, out := ackCLI(t, url, "0123456789abcdef0123456789abcdef", "--state", "maybe"); code != 1 || !strings.Contains(out, `state "maybe"`) {
		t.Errorf("bad state on the command line: %d %s", code, out)
	}
	if code, out := ackCLI(t, url, "--state", "success"); code != 1 || !strings.Contains(out, "needs the event id") {
		t.Errorf("no event id: %d %s", code, out)
	}
	// Any NATS client gets the same answers.
	id := deliver(t, inst, hubDelivery(t, "https://registry.hub.docker.com", "v1"))
	nc, err := natsgo.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	for body, says := range map[string]string{
		`{"consumer":"ci","state":"maybe"}`: `state "maybe"`,
		`not json`:                          "not a JSON object",
		`{"consumer":"ci","state":"success","context":"` + strings.Repeat("c", 101) + `"}`: "context is 101 characters",
		`{"event_id":"build-42","consumer":"ci","state":"success"}`:                        `event_id "build-42" differs from the event id`,
		`{"consumer":"ci","state":"success"}`:                                              "",
	} {
		msg, err := nc.Request(reply.AckSubjectPrefix+"."+id, []byte(body), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		var r reply.AckReply
		json.Unmarshal(msg.Data, &r)
		if says == "" && !r.Accepted || says != "" && (r.Accepted || !strings.Contains(r.Error, says)) {
			t.Errorf("%s: answer %+v, want %q", body, r, says)
		}
	}
	// The subject's id is checked as the body's.
	msg, err := nc.Request(reply.AckSubjectPrefix+".build-42", []byte(`{"consumer":"ci","state":"success"}`), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var bad reply.AckReply
	if json.Unmarshal(msg.Data, &bad) != nil || bad.Accepted || !strings.Contains(bad.Error, `event_id "build-42" is not a hubwire event id`) {
		t.Errorf("ack on hubwire.acks.build-42: %s", msg.Data)
	}
	// The subscriber goes on after invalid acks: the valid one is applied.
	waitFor(t, "the valid ack", func() bool { return len(eventRecord(t, inst, id).Acks) == 1 })
}

// TestAckWhileHubwireIsDown: an ack sent while no hubwire runs is kept by
// the broker, and the next hubwire posts its callback, once.
func TestAckWhileHubwireIsDown(t *testing.T) {
	broker := externalBroker(t)
	cb := newRegistryCallbacks(t, 200)
	flags := append([]string{"--broker", broker.ClientURL()}, allowTestCallbacks...)
	first := startHubwire(t, t.TempDir(), flags...)
	id := deliver(t, first, hubDelivery(t, cb.URL, "v1"))
	if err := first.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	nc, err := natsgo.Connect(broker.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if err := nc.Publish(reply.AckSubjectPrefix+"."+id, []byte(`{"consumer":"ci","state":"success","description":"while you were away"}`)); err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	time.Sleep(200 * time.Millisecond)
	if n := len(cb.received()); n != 0 {
		t.Fatalf("%d callbacks with no hubwire running", n)
	}

	second := startHubwire(t, t.TempDir(), flags...)
	waitFor(t, "the callback after the restart", func() bool { return len(cb.received()) == 1 })
	time.Sleep(300 * time.Millisecond)
	if n := len(cb.received()); n != 1 || cb.received()[0]["description"] != "while you were away" {
		t.Errorf("callbacks %v", cb.received())
	}
	if rec := eventRecord(t, second, id); rec.Callback.Outcome != reply.OutcomeSent {
		t.Errorf("record %+v", rec.Callback)
	}
}

// TestTwoReplicasPostOnce runs two hubwire instances on one broker: an
// event delivered to one and acked makes exactly one callback.
func TestTwoReplicasPostOnce(t *testing.T) {
	broker := externalBroker(t)
	cb := newRegistryCallbacks(t, 200)
	flags := append([]string{"--broker", broker.ClientURL()}, allowTestCallbacks...)
	a := startHubwire(t, t.TempDir(), flags...)
	b := startHubwire(t, t.TempDir(), flags...)
	var ids []string
	for i := range 20 {
		replica := a
		if i%2 == 1 {
			replica = b
		}
		ids = append(ids, deliver(t, replica, hubDelivery(t, cb.URL, fmt.Sprintf("v%d", i))))
	}
	for _, id := range ids {
		if code, out := ackCLI(t, broker.ClientURL(), id, "--state", "success"); code != 0 {
			t.Fatal(out)
		}
		// A repeated ack, as a consumer retrying would send.
		if code, out := ackCLI(t, broker.ClientURL(), id, "--state", "success"); code != 0 {
			t.Fatal(out)
		}
	}
	waitFor(t, "20 callbacks", func() bool { return len(cb.received()) >= 20 })
	time.Sleep(500 * time.Millisecond)
	if n := len(cb.received()); n != 20 {
		t.Errorf("%d callbacks for 20 events", n)
	}
}

// TestRestartBetweenAckAndCallback stops hubwire after the ack decided the
// callback and its first attempt got a 503, during the backoff: the next
// hubwire finishes the callback, and the registry sees one successful POST.
func TestRestartBetweenAckAndCallback(t *testing.T) {
	broker := externalBroker(t)
	cb := newRegistryCallbacks(t, 503, 200)
	// A minute between the attempts, so that the stop comes between them
	// however slow the machine (the backoff alone is 0.5 to 1 s).
	cb.mu.Lock()
	cb.retryAfter = "60"
	cb.mu.Unlock()
	flags := append([]string{"--broker", broker.ClientURL()}, allowTestCallbacks...)
	first := startHubwire(t, t.TempDir(), flags...)
	id := deliver(t, first, hubDelivery(t, cb.URL, "v1"))
	if code, out := ackCLI(t, broker.ClientURL(), id, "--state", "success"); code != 0 {
		t.Fatal(out)
	}
	waitFor(t, "the first attempt", func() bool { return len(cb.received()) == 1 })
	if err := first.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(cb.received()); n != 1 {
		t.Fatalf("%d attempts before the restart", n)
	}
	second := startHubwire(t, t.TempDir(), flags...)
	waitFor(t, "the callback after the restart", func() bool { return eventRecord(t, second, id).Callback.Outcome == reply.OutcomeSent })
	time.Sleep(300 * time.Millisecond)
	if n := len(cb.received()); n != 2 {
		t.Errorf("%d requests (want a 503 then one success)", n)
	}
	if at := eventRecord(t, second, id).Callback.Attempts; len(at) != 2 || at[0].Status != 503 || at[1].Status != 200 {
		t.Errorf("attempts %+v", at)
	}
}

// TestCallbackHistoryAPI lists the delivery records with GET /api/events,
// filtered, as the web console will, on either broker; only with the
// token, and with no callback URL's path.
func TestCallbackHistoryAPI(t *testing.T) {
	for _, broker := range []string{"nats", "kafka"} {
		t.Run(broker, func(t *testing.T) {
			cb := newRegistryCallbacks(t, 200)
			var inst *server.Server
			var ack func(id string)
			if broker == "kafka" {
				c := kafkaCluster(t)
				inst = startHubwire(t, t.TempDir(), kafkaReplyFlags(c)...)
				ack = func(id string) { kafkaAckCLI(t, c, id, "--state", "success") }
			} else {
				inst = startHubwire(t, t.TempDir(), allowTestCallbacks...)
				ack = func(id string) {
					if code, out := ackCLI(t, natsURLOf(inst), id, "--state", "success"); code != 0 {
						t.Fatal(out)
					}
				}
			}
			acked := deliver(t, inst, hubDelivery(t, cb.URL, "v1"))
			// Kafka's record times are milliseconds, and two records of
			// one millisecond on two partitions have no order but the
			// partitions'.
			time.Sleep(2 * time.Millisecond)
			waiting := deliver(t, inst, hubDelivery(t, cb.URL, "v2"))
			ack(acked)
			waitFor(t, "the callback", func() bool { return len(cb.received()) == 1 })

			list := func(query string) (int, []reply.Record, string) {
				req, _ := http.NewRequest(http.MethodGet, inst.PublicURL()+"/api/events"+query, nil)
				req.Header.Set("Authorization", "Bearer "+inst.Token())
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var body bytes.Buffer
				body.ReadFrom(resp.Body)
				var l struct {
					Events []reply.Record `json:"events"`
				}
				json.Unmarshal(body.Bytes(), &l)
				return resp.StatusCode, l.Events, body.String()
			}
			var events []reply.Record
			waitFor(t, "the sent callback in the list", func() bool {
				code, ev, _ := list("?outcome=sent&registry=dockerhub&repository=fireflyiii/core&since=1h")
				events = ev
				return code == 200 && len(ev) == 1
			})
			if events[0].ID != acked || events[0].Callback.Outcome != reply.OutcomeSent || strings.Contains(events[0].CallbackURL, "/hook/") {
				t.Errorf("listed %+v", events[0])
			}
			if code, ev, body := list("?type=com.docker.hub.push&limit=10"); code != 200 || len(ev) != 2 || ev[0].ID != waiting || strings.Contains(body, "/hook/") {
				t.Errorf("all pushes: %d %s", code, body)
			}
			if code, _, body := list("?outcome=maybe"); code != 400 || !strings.Contains(body, "want one of") {
				t.Errorf("bad filter: %d %s", code, body)
			}
			resp, err := http.Get(inst.PublicURL() + "/api/events")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 404 {
				t.Errorf("listed without the token: %d", resp.StatusCode)
			}
		})
	}
}
