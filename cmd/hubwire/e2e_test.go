package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cejs "github.com/cloudevents/sdk-go/protocol/nats_jetstream/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/hubwire/hubwire/server"
	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/adapter/dtr"
	"github.com/hubwire/hubwire/schemas"
	"github.com/hubwire/hubwire/schemas/schematest"
	natssink "github.com/hubwire/hubwire/sinks/nats"
	"github.com/hubwire/hubwire/sinks/nats/natstest"
)

// TestEverySampleBecomesOneCloudEvent posts every sample delivery over
// HTTP, reads the stream back with a NATS client, decodes each message with
// the CloudEvents SDK and checks it against what the receiver answered and
// against its data schema.
func TestEverySampleBecomesOneCloudEvent(t *testing.T) {
	for _, mode := range []string{"binary", "structured"} {
		t.Run(mode, func(t *testing.T) {
			inst := startHubwire(t, t.TempDir(), "--ce-mode", mode)
			validator, err := schematest.NewValidator(inst.PublicURL() + "/schemas/")
			if err != nil {
				t.Fatal(err)
			}
			fx := fixtures(t)
			accepted := map[string]map[string]any{}
			published := 0
			for _, f := range fx {
				a := f.deliver(t, inst, f.body)
				if a.status != http.StatusAccepted && a.status != http.StatusOK {
					t.Fatalf("%s/%s: %d %v", f.source, f.name, a.status, a.body)
				}
				for _, r := range receipts(a) {
					if r["ignored"] == true { // a type its registry does not publish by default
						continue
					}
					published++
					id := r["id"].(string)
					_, seen := accepted[id]
					if r["duplicate"] != seen || r["broker"] != "nats" || r["stream"] != "HUBWIRE_EVENTS" {
						t.Errorf("%s/%s: answer %v", f.source, f.name, r)
					}
					if !seen {
						r["fixture"] = f.source + "/" + f.name
						accepted[id] = r
					}
				}
			}
			// The three docs' copies of the 2014 Hub push are one occurrence,
			// and so are GitHub's two examples of one push, sent as package
			// and as registry_package. Harbor's Default and CloudEvents
			// samples of seven kinds are one occurrence each (same kind,
			// second and artifact); its two push samples are a few seconds
			// apart, so two.
			if want := published - 3 - 7; len(accepted) != want {
				t.Errorf("%d distinct ids for %d published events, want %d", len(accepted), published, want)
			}

			msgs := natstest.ReadStream(t, natsURLOf(inst), "HUBWIRE_EVENTS", len(accepted))
			for _, msg := range msgs {
				e, err := binding.ToEvent(context.Background(), cejs.NewMessage(msg))
				if err != nil {
					t.Fatalf("SDK cannot decode %s: %v", msg.Subject, err)
				}
				a, ok := accepted[e.ID()]
				if !ok {
					t.Fatalf("stream holds event %s that no answer named", e.ID())
				}
				name := a["fixture"].(string)
				delete(accepted, e.ID())
				if err := e.Validate(); err != nil {
					t.Errorf("%s: %v", name, err)
				}
				if e.Type() != a["type"] || e.Source() != a["source"] || e.Subject() != a["subject"] || msg.Header.Get("Nats-Msg-Id") != e.ID() {
					t.Errorf("%s: event %s %s %s does not match the answer %v", name, e.Type(), e.Source(), e.Subject(), a)
				}
				// time is when it happened at the registry: every sample is
				// from 2025 or before, so a receive time would show. Quay's
				// and Artifactory's requests hold no time, nor does a Gitea
				// deletion: their events carry the time of receipt.
				receiptTimed := strings.HasPrefix(name, "quay/") || strings.HasPrefix(name, "artifactory/") ||
					strings.HasPrefix(name, "gitea/") && strings.HasSuffix(name, "-deleted.json")
				if e.Time().IsZero() || (!receiptTimed && e.Time().After(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))) {
					t.Errorf("%s: time %v is not the registry's", name, e.Time())
				}
				if e.DataContentType() != "application/json" || !strings.HasPrefix(e.DataSchema(), inst.PublicURL()+"/schemas/") {
					t.Errorf("%s: datacontenttype %q dataschema %q", name, e.DataContentType(), e.DataSchema())
				}
				repo, _ := e.Extensions()["repository"].(string)
				if pk := e.Extensions()["partitionkey"]; pk == nil || (repo != "" && pk != repo) {
					t.Errorf("%s: partitionkey %v, repository %q", name, pk, repo)
				}
				source, _, _ := strings.Cut(name, "/")
				if !strings.HasPrefix(msg.Subject, "hubwire.events."+source+".") || strings.Count(msg.Subject, ".") != 5 {
					t.Errorf("%s: NATS subject %s", name, msg.Subject)
				}
				// A repository of one path element (ACR's hello-world) has
				// no namespace: its subject's namespace token is _.
				ns, repoName, nested := strings.Cut(repo, "/")
				if !nested {
					ns, repoName = "", repo
				}
				if repo != "" && !strings.HasSuffix(msg.Subject, "."+natssink.Token(ns)+"."+natssink.Token(repoName)) {
					t.Errorf("%s: NATS subject %s does not end in the repository %s", name, msg.Subject, repo)
				}
				if bytes.Contains(msg.Data, []byte("callback_url")) || bytes.Contains(msg.Data, []byte("/hook/")) {
					t.Errorf("%s: the callback URL left hubwire: %s", name, msg.Data)
				}
				if err := validator.Validate(e.DataSchema(), e.Data()); err != nil {
					t.Errorf("%s: %v", name, err)
				}
				var data map[string]any
				json.Unmarshal(e.Data(), &data)
				if data["payload"] == nil || data["occurred_at"] == nil {
					t.Errorf("%s: data without payload or occurred_at: %s", name, e.Data())
				}
			}
			if len(accepted) != 0 {
				t.Errorf("answered 202 but not in the stream: %v", accepted)
			}
		})
	}
}

func TestSchemasServedAsEmbedded(t *testing.T) {
	inst := startHubwire(t, t.TempDir())
	for _, name := range schemas.Names() {
		resp, err := http.Get(inst.PublicURL() + "/schemas/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want, _ := fs.ReadFile(schemas.FS(), name+".json")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/schema+json" || !bytes.Equal(got, want) {
			t.Errorf("%s: %d %s", name, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	resp, err := http.Get(inst.PublicURL() + "/schemas/nope.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown schema: %d", resp.StatusCode)
	}
}

func TestDuplicateDeliveryStoredOnce(t *testing.T) {
	inst := startHubwire(t, t.TempDir())
	body := fixtures(t)[0]
	first := post(t, inst.WebhookURL(body.source), "application/json", body.body)
	second := post(t, inst.WebhookURL(body.source), "", body.body)
	if first.status != 202 || second.status != 202 {
		t.Fatalf("answers %d %d", first.status, second.status)
	}
	if first.body["duplicate"] != false || second.body["duplicate"] != true || first.body["id"] != second.body["id"] || first.body["seq"] != second.body["seq"] {
		t.Errorf("first %v second %v", first.body, second.body)
	}
	natstest.ReadStream(t, natsURLOf(inst), "HUBWIRE_EVENTS", 1)
}

func TestTokenAndEventsKeptAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	fx := fixtures(t)
	first := startHubwire(t, dir)
	if !strings.Contains(banner(first), "Token:     generated and kept in") {
		t.Errorf("first start did not say it generated a token:\n%s", banner(first))
	}
	if a := post(t, first.WebhookURL(fx[3].source), "application/json", fx[3].body); a.status != 202 {
		t.Fatalf("%d %v", a.status, a.body)
	}
	if err := first.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	second := startHubwire(t, dir)
	if strings.Contains(banner(second), "generated") || second.Token() != first.Token() {
		t.Errorf("token changed across restarts: %s then %s", first.Token(), second.Token())
	}
	a := post(t, second.WebhookURL(fx[4].source), "application/json", fx[4].body)
	if a.status != 202 || a.body["seq"] != float64(2) {
		t.Errorf("after restart: %d %v", a.status, a.body)
	}
	natstest.ReadStream(t, natsURLOf(second), "HUBWIRE_EVENTS", 2)
}

func TestTokenAlsoAsBearerAndQuery(t *testing.T) {
	inst := startHubwire(t, t.TempDir(), "--token", "a-token-of-our-own-choosing")
	body := fixtures(t)[0]
	hook := inst.PublicURL() + "/hooks/" + body.source

	req, _ := http.NewRequest(http.MethodPost, hook, bytes.NewReader(body.body))
	req.Header.Set("Authorization", "Bearer a-token-of-our-own-choosing")
	if a := do(t, req); a.status != 202 {
		t.Errorf("Bearer: %d %v", a.status, a.body)
	}
	if a := post(t, hook+"?access_token=a-token-of-our-own-choosing", "application/json", body.body); a.status != 202 {
		t.Errorf("access_token: %d %v", a.status, a.body)
	}
	if a := post(t, hook+"/a-token-of-our-own-choosing", "application/json", body.body); a.status != 202 {
		t.Errorf("path: %d %v", a.status, a.body)
	}
}

// TestGracefulShutdownFinishesInFlight stops hubwire while a delivery is
// half sent: the delivery is still answered 202, and its event is in the
// stream on the next start.
func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	dir := t.TempDir()
	inst := startHubwire(t, dir)
	body := fixtures(t)[0]
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, inst.WebhookURL(body.source), pr)
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = int64(len(body.body))
	// With Expect: 100-continue the client sends the body only once the
	// handler starts reading it, so the first write below returns only
	// when the delivery is in flight: no sleep needed to order the test.
	req.Header.Set("Expect", "100-continue")
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	result := make(chan *http.Response, 1)
	go func() {
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
		}
		result <- resp
	}()
	pw.Write(body.body[:10])

	stopped := make(chan error, 1)
	go func() { stopped <- inst.Shutdown(context.Background()) }()
	waitFor(t, "the receiver to refuse new connections", func() bool {
		resp, err := http.Get(inst.PublicURL() + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err != nil
	})
	pw.Write(body.body[10:])
	pw.Close()

	resp := <-result
	if resp == nil || resp.StatusCode != 202 {
		t.Fatalf("in-flight delivery: %v", resp)
	}
	resp.Body.Close()
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	again := startHubwire(t, dir)
	natstest.ReadStream(t, natsURLOf(again), "HUBWIRE_EVENTS", 1)
}

// TestExternalBroker points hubwire at a NATS server it did not start, as
// --broker does for a cluster, and reads the event back from that server.
func TestExternalBroker(t *testing.T) {
	external := externalBroker(t)
	dir := t.TempDir()
	inst := startHubwire(t, dir, "--broker", external.ClientURL(), "--stream", "REGISTRY")
	if inst.EmbeddedURL() != "" {
		t.Fatal("started an embedded server despite --broker")
	}
	f := fixtures(t)[0]
	if a := post(t, inst.WebhookURL(f.source), "application/json", f.body); a.status != 202 || a.body["stream"] != "REGISTRY" {
		t.Fatalf("%d %v", a.status, a.body)
	}
	natstest.ReadStream(t, external.ClientURL(), "REGISTRY", 1)
	if _, err := os.Stat(filepath.Join(dir, "jetstream")); err == nil {
		t.Error("an embedded store was created in the data dir despite --broker")
	}
}

// TestExternalBrokerAuth connects to a NATS server that requires a user
// and password, or a token, with the --nats-* flags.
func TestExternalBrokerAuth(t *testing.T) {
	for _, tt := range []struct {
		name      string
		opts      natsserver.Options
		good, bad []string
	}{
		{"user and password", natsserver.Options{Username: "hub", Password: "wire"}, []string{"--nats-user", "hub", "--nats-password", "wire"}, []string{"--nats-user", "hub", "--nats-password", "nope"}},
		{"token", natsserver.Options{Authorization: "s3cret-token"}, []string{"--nats-token", "s3cret-token"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			srv := startNATS(t, &opts)
			inst := startHubwire(t, t.TempDir(), append([]string{"--broker", srv.ClientURL()}, tt.good...)...)
			f := fixtures(t)[0]
			if a := post(t, inst.WebhookURL(f.source), "application/json", f.body); a.status != 202 {
				t.Errorf("%d %v", a.status, a.body)
			}
			cfg, _ := parseServe(append([]string{"--broker", srv.ClientURL(), "--data-dir", t.TempDir()}, tt.bad...), io.Discard, noEnv)
			if _, err := start(context.Background(), cfg, quietLog); err == nil || !strings.Contains(err.Error(), "Authorization") {
				t.Errorf("wrong credentials: %v", err)
			}
		})
	}
}

// TestExternalBrokerTLS connects to a NATS server that requires TLS,
// trusting its certificate through --nats-tls-ca.
func TestExternalBrokerTLS(t *testing.T) {
	serverTLS, caFile := selfSignedTLS(t)
	srv := startNATS(t, &natsserver.Options{TLSConfig: serverTLS, TLS: true})
	url := strings.Replace(srv.ClientURL(), "nats://", "tls://", 1)
	inst := startHubwire(t, t.TempDir(), "--broker", url, "--nats-tls-ca", caFile)
	f := fixtures(t)[0]
	if a := post(t, inst.WebhookURL(f.source), "application/json", f.body); a.status != 202 {
		t.Errorf("over TLS: %d %v", a.status, a.body)
	}
	cfg, _ := parseServe([]string{"--broker", url, "--data-dir", t.TempDir()}, io.Discard, noEnv)
	if _, err := start(context.Background(), cfg, quietLog); err == nil {
		t.Error("connected without trusting the server's certificate")
	}
}

// TestInFlightCap holds one delivery in the handler with --max-in-flight 1
// (its body read, its publish waiting on a slow broker): the next is
// answered 503 with Retry-After at once, and the first still completes. A
// delivery whose body is still arriving holds no slot
// (TestSlowBodiesDoNotTakeTheInFlightSlots).
func TestInFlightCap(t *testing.T) {
	broker := natstest.StartBroker(t)
	proxy := newTCPProxy(t, strings.TrimPrefix(broker.URL(), "nats://"))
	inst := startHubwire(t, t.TempDir(), "--max-in-flight", "1", "--broker", "nats://"+proxy.addr(), "--spool-max-bytes", "0", "--publish-timeout", "30s")
	f := fixtures(t)[0]
	proxy.slow(3 * time.Second)
	result := make(chan int, 1)
	go func() {
		resp, err := http.Post(inst.WebhookURL(f.source), "application/json", bytes.NewReader(f.body))
		if err != nil {
			t.Error(err)
			result <- 0
			return
		}
		resp.Body.Close()
		result <- resp.StatusCode
	}()
	// The first delivery's small body is read at once; it then waits
	// seconds for the broker, holding the slot. (A wait, not an assertion.)
	time.Sleep(time.Second)
	a := post(t, inst.WebhookURL(f.source), "application/json", fixtures(t)[1].body)
	if a.status != 503 || a.header.Get("Retry-After") == "" || !contains(a.body["error"], "the most allowed at once") {
		t.Errorf("second delivery: %d %v", a.status, a.body)
	}
	if status := <-result; status != 202 {
		t.Errorf("first delivery: %d", status)
	}
	proxy.slow(0)
}

// TestWebhookHandshake answers the CloudEvents webhook abuse-protection
// handshake for allowed origins only, and only with the right token.
func TestWebhookHandshake(t *testing.T) {
	inst := startHubwire(t, t.TempDir(), "--webhook-allowed-origin", "registry.example.com", "--webhook-allowed-rate", "120")
	options := func(url, origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, url, nil)
		req.Header.Set("WebHook-Request-Origin", origin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := options(inst.WebhookURL("dtr"), "registry.example.com")
	if resp.StatusCode != 200 || resp.Header.Get("WebHook-Allowed-Origin") != "registry.example.com" || resp.Header.Get("WebHook-Allowed-Rate") != "120" ||
		!strings.Contains(resp.Header.Get("Allow"), "POST") {
		t.Errorf("allowed origin: %d %v", resp.StatusCode, resp.Header)
	}
	if resp := options(inst.WebhookURL("dtr"), "evil.example.com"); resp.StatusCode != 403 || resp.Header.Get("WebHook-Allowed-Origin") != "" {
		t.Errorf("other origin: %d %v", resp.StatusCode, resp.Header)
	}
	if resp := options(inst.PublicURL()+"/hooks/dtr/wrong-token-wrong-token", "registry.example.com"); resp.StatusCode != 404 {
		t.Errorf("wrong token: %d", resp.StatusCode)
	}
}

// TestRateLimits: above --source-rate-limit a source's deliveries are
// answered 429 with Retry-After, while another source still gets through;
// --rate-limit bounds them all.
func TestRateLimits(t *testing.T) {
	inst := startHubwire(t, t.TempDir(), "--source-rate-limit", "0.5")
	push, _ := dtr.Samples.ReadFile("samples/tag-push.json")
	pull, _ := dtr.Samples.ReadFile("samples/tag-pull.json")
	if a := post(t, inst.WebhookURL("dtr"), "application/json", push); a.status != 202 {
		t.Fatalf("first: %d %v", a.status, a.body)
	}
	a := post(t, inst.WebhookURL("dtr"), "application/json", pull)
	if a.status != 429 || a.header.Get("Retry-After") == "" || a.header.Get("Retry-After") == "0" || !contains(a.body["error"], "rate limit") {
		t.Errorf("second from dtr: %d %v %v", a.status, a.header, a.body)
	}
	hub := fixtures(t)[0]
	if a := post(t, inst.WebhookURL(hub.source), "application/json", hub.body); a.status != 202 {
		t.Errorf("another source: %d %v", a.status, a.body)
	}

	all := startHubwire(t, t.TempDir(), "--rate-limit", "0.5")
	if a := post(t, all.WebhookURL("dtr"), "application/json", push); a.status != 202 {
		t.Fatalf("first: %d", a.status)
	}
	if a := post(t, all.WebhookURL(hub.source), "application/json", hub.body); a.status != 429 {
		t.Errorf("global limit: %d", a.status)
	}
}

// TestTracing: with --tracing the event carries the delivery's trace
// (a new span of it) in ce-traceparent; without, no trace extension.
func TestTracing(t *testing.T) {
	for _, on := range []bool{true, false} {
		flags := []string{}
		if on {
			flags = append(flags, "--tracing")
		}
		inst := startHubwire(t, t.TempDir(), flags...)
		f := fixtures(t)[0]
		req, _ := http.NewRequest(http.MethodPost, inst.WebhookURL(f.source), bytes.NewReader(f.body))
		req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
		if a := do(t, req); a.status != 202 {
			t.Fatalf("%d %v", a.status, a.body)
		}
		msg := natstest.ReadStream(t, natsURLOf(inst), "HUBWIRE_EVENTS", 1)[0]
		tp := msg.Header.Get("ce-traceparent")
		if on && (!strings.HasPrefix(tp, "00-4bf92f3577b34da6a3ce929d0e0e4736-") || strings.Contains(tp, "00f067aa0ba902b7")) || !on && tp != "" {
			t.Errorf("tracing %v: ce-traceparent %q", on, tp)
		}
	}
}

// banner is what serve prints once hubwire is up.
func banner(srv *server.Server) string {
	var b strings.Builder
	srv.Describe(&b, true)
	return b.String()
}

// TestBrokerCredentialsNotShown: credentials written into --broker's URL
// (nats://user:password@host) work, and neither the banner nor config
// check shows them.
func TestBrokerCredentialsNotShown(t *testing.T) {
	srv := startNATS(t, &natsserver.Options{Username: "hub", Password: "pa55word-in-url"})
	url := strings.Replace(srv.ClientURL(), "nats://", "nats://hub:pa55word-in-url@", 1)
	inst := startHubwire(t, t.TempDir(), "--broker", url)
	f := fixtures(t)[0]
	if a := post(t, inst.WebhookURL(f.source), "application/json", f.body); a.status != 202 {
		t.Errorf("%d %v", a.status, a.body)
	}
	var out bytes.Buffer
	code := run(context.Background(), []string{"config", "check", "--broker", url}, &out, &out, noEnv)
	if b := banner(inst); code != 0 || strings.Contains(b+out.String(), "pa55word") || !strings.Contains(b, srv.ClientURL()) {
		t.Errorf("config check (%d):\n%s\nbanner:\n%s", code, out.String(), b)
	}
}

// TestSourceFilters: a type the config file drops is answered 200,
// "ignored": true with its would-be id, and never stored; the others are.
func TestSourceFilters(t *testing.T) {
	path := configFile(t, "sources:\n  dtr:\n    drop: [com.docker.dtr.tag.pull, com.docker.dtr.manifest.*]\n")
	inst := startHubwire(t, t.TempDir(), "--config", path)
	dtr, _ := all.Registries.Get("dtr")
	pull, _ := dtr.Sample("tag-pull")
	a := post(t, inst.WebhookURL("dtr"), "application/json", pull)
	if a.status != 200 || a.body["ignored"] != true || a.body["type"] != "com.docker.dtr.tag.pull" || len(a.body["id"].(string)) != 32 || a.body["seq"] != nil {
		t.Errorf("dropped: %d %v", a.status, a.body)
	}
	push, _ := dtr.Sample("tag-push")
	if a := post(t, inst.WebhookURL("dtr"), "application/json", push); a.status != 202 || a.body["seq"] != float64(1) {
		t.Errorf("kept: %d %v", a.status, a.body)
	}
	natstest.ReadStream(t, natsURLOf(inst), "HUBWIRE_EVENTS", 1)
}

// TestEveryRedeliveryIsADuplicate: every sample of every registry, sent a
// second time as the registry retries it, is answered as the same events,
// each "duplicate": true, and the stream holds each once.
func TestEveryRedeliveryIsADuplicate(t *testing.T) {
	inst := startHubwire(t, t.TempDir())
	stored := map[string]bool{}
	for _, f := range fixtures(t) {
		first := f.deliver(t, inst, f.body)
		again := f.deliver(t, inst, f.body)
		a, b := receipts(first), receipts(again)
		if again.status != first.status || len(a) != len(b) {
			t.Errorf("%s/%s: %d %v, then %d %v", f.source, f.name, first.status, first.body, again.status, again.body)
			continue
		}
		for i := range b {
			if a[i]["id"] != b[i]["id"] || (b[i]["ignored"] != true && b[i]["duplicate"] != true) {
				t.Errorf("%s/%s: event %d answered %v, then %v", f.source, f.name, i, a[i], b[i])
			}
			if b[i]["ignored"] != true {
				stored[b[i]["id"].(string)] = true
			}
		}
	}
	natstest.ReadStream(t, natsURLOf(inst), "HUBWIRE_EVENTS", len(stored))
}

// TestWrongRegistryIsNamed posts every sample to every other registry's
// URL: where hubwire says whose delivery it is, it names the registry the
// sample came from, and a sample is never answered with another
// registry's events.
func TestWrongRegistryIsNamed(t *testing.T) {
	inst := startHubwire(t, t.TempDir())
	named := 0
	for _, f := range fixtures(t) {
		reg, _ := all.Registries.Get(f.source)
		for _, other := range all.Registries {
			if other.Name == f.source {
				continue
			}
			wrong := f
			wrong.source = other.Name
			a := wrong.deliver(t, inst, f.body)
			msg, _ := a.body["error"].(string)
			if a.status < 300 {
				t.Errorf("%s/%s sent to %s was taken: %d %v", f.source, f.name, other.Name, a.status, a.body)
			}
			if a.status == http.StatusBadRequest && strings.HasPrefix(msg, "this is a ") {
				named++
				if !strings.HasPrefix(msg, "this is a "+reg.Title+" delivery") {
					t.Errorf("%s/%s sent to %s: %q", f.source, f.name, other.Name, msg)
				}
			}
		}
	}
	if named == 0 {
		t.Error("no delivery sent to the wrong registry was told where it belongs")
	}
	t.Logf("%d deliveries sent to the wrong registry were told whose they are", named)
}

// TestNewRegistriesNamedBothWays: a sample of Artifactory, Nexus or
// Gitea/Forgejo sent to any other registry's URL is refused and named as
// its own registry's, and every other registry's sample sent to their URLs
// is refused (400, never stored) and named where its registry can tell.
func TestNewRegistriesNamedBothWays(t *testing.T) {
	inst := startHubwire(t, t.TempDir())
	mine := map[string]bool{"artifactory": true, "nexus": true, "gitea": true}
	n := 0
	for _, f := range fixtures(t) {
		reg, _ := all.Registries.Get(f.source)
		for _, other := range all.Registries {
			if other.Name == f.source || !mine[f.source] && !mine[other.Name] {
				continue
			}
			wrong := f
			wrong.source = other.Name
			a := wrong.deliver(t, inst, f.body)
			msg, _ := a.body["error"].(string)
			// A form-encoded body is refused by the registries that take
			// only JSON before it is read (415).
			if a.status != http.StatusBadRequest && a.status != http.StatusUnsupportedMediaType {
				t.Errorf("%s/%s sent to %s: %d %v", f.source, f.name, other.Name, a.status, a.body)
				continue
			}
			named := strings.HasPrefix(msg, "this is a "+reg.Title+" delivery, not a "+other.Title+" one; send it to /hooks/"+reg.Name+"/<token>")
			if mine[f.source] && !named {
				t.Errorf("%s/%s sent to %s: %q", f.source, f.name, other.Name, msg)
			}
			if named {
				n++
			}
		}
	}
	t.Logf("%d deliveries named their registry", n)
	natstest.ReadStream(t, natsURLOf(inst), "HUBWIRE_EVENTS", 0)
}
