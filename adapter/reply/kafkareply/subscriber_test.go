package kafkareply

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/sinks"
)

const (
	acksTopic       = "hubwire.acks"
	deliveriesTopic = "hubwire.deliveries"
	idWeb1          = "00000000000000000000000000000001"
	idWeb2          = "00000000000000000000000000000002"
	idAPI           = "00000000000000000000000000000003"
	idDTR           = "00000000000000000000000000000004"
)

// entry is a stored event as the store hands it over.
func entry(source string, id, subject, callbackURL string) sinks.Entry {
	e := event.New()
	e.SetID(id)
	e.SetSource("urn:test")
	e.SetType("com.docker.hub.push")
	e.SetSubject(subject)
	return sinks.Entry{Source: source, Event: &e, CallbackURL: callbackURL}
}

// registry is the callback endpoint; it counts the POSTs.
type registry struct {
	*httptest.Server
	mu    sync.Mutex
	posts int
}

func newRegistry(t *testing.T) *registry {
	r := &registry{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		r.mu.Lock()
		r.posts++
		r.mu.Unlock()
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *registry) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.posts
}

func (r *registry) hook() string { return r.URL + "/u/acme/web/hook/secret-capability/" }

func start(t *testing.T, cfg Config) *Subscriber {
	t.Helper()
	c, err := kfake.NewCluster(kfake.SeedTopics(3, acksTopic, deliveriesTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cfg.Brokers, cfg.AcksTopic, cfg.DeliveriesTopic, cfg.GroupID = c.ListenAddrs(), acksTopic, deliveriesTopic, "hubwire-reply"
	cfg.Poster = &reply.Poster{AllowedHosts: []string{"127.0.0.1:*"}, AllowInsecure: true, Timeout: time.Second, MaxAttempts: 1}
	if cfg.AckTimeout == 0 {
		cfg.AckTimeout = time.Minute
	}
	k, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Stop)
	return k
}

// ack produces an ack as hubwire ack does: keyed by the event id.
func (k *Subscriber) ack(t *testing.T, id, consumer, state string) {
	t.Helper()
	body := `{"consumer":"` + consumer + `","state":"` + state + `"}`
	if err := k.produce(context.Background(), k.cfg.AcksTopic, k.partitionOf(id), id, []byte(body)); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func list(t *testing.T, k *Subscriber, q reply.Query) string {
	t.Helper()
	recs, err := k.List(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.ID[31:])
	}
	return strings.Join(got, ",")
}

func TestHistory(t *testing.T) {
	cb := newRegistry(t)
	k := start(t, Config{})
	ctx := context.Background()
	for _, e := range []struct{ id, source, subject string }{{idWeb1, "dockerhub", "acme/web:1"}, {idWeb2, "dockerhub", "acme/web:2"}, {idAPI, "dtr", "acme/api@sha256:12"}} {
		if err := k.Received(ctx, entry(e.source, e.id, e.subject, cb.hook()), sinks.Receipt{Broker: "kafka"}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond) // distinct receipt times
	}
	k.ack(t, idWeb2, "ci", "success")
	k.ack(t, idDTR, "ci", "success")
	waitFor(t, "four records, one callback sent", func() bool {
		return list(t, k, reply.Query{}) == "4,3,2,1" && list(t, k, reply.Query{Outcome: reply.OutcomeSent}) == "2"
	})
	for _, tt := range []struct {
		q    reply.Query
		want string
	}{
		{reply.Query{Limit: 2}, "4,3"},
		{reply.Query{Registry: "dockerhub"}, "2,1"},
		{reply.Query{Repository: "acme/web", Outcome: reply.OutcomeWaiting}, "1"},
		{reply.Query{Repository: "acme/api"}, "3"},
		{reply.Query{Outcome: reply.OutcomeNone}, "4"},
		{reply.Query{Since: time.Now().Add(time.Hour)}, ""},
	} {
		if got := list(t, k, tt.q); got != tt.want {
			t.Errorf("%+v: %s, want %s", tt.q, got, tt.want)
		}
	}
	if cb.calls() != 1 {
		t.Errorf("%d callbacks", cb.calls())
	}
	w := httptest.NewRecorder()
	k.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/events?registry=dockerhub&outcome=sent", nil))
	if body := w.Body.String(); w.Code != 200 || strings.Count(body, `"received_at"`) != 1 || strings.Contains(body, "secret-capability") {
		t.Errorf("GET /api/events: %d %s", w.Code, body)
	}
}

// TestRetention: a record past the retention leaves the view and its
// owner's map, so that Kafka's memory is bounded by age as NATS's bucket
// is by its TTL; the event's next ack starts a new record.
func TestRetention(t *testing.T) {
	cb := newRegistry(t)
	k := start(t, Config{Retention: 1500 * time.Millisecond})
	if err := k.Received(context.Background(), entry("dockerhub", idWeb1, "acme/web:1", cb.hook()), sinks.Receipt{Broker: "kafka"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the record", func() bool { _, err := k.Get(context.Background(), idWeb1); return err == nil })
	waitFor(t, "the record to go", func() bool {
		k.mu.Lock()
		defer k.mu.Unlock()
		return len(k.view) == 0
	})
	if _, err := k.Get(context.Background(), idWeb1); err != reply.ErrNoRecord {
		t.Errorf("Get after the retention: %v", err)
	}
	// The owner sweeps as often as the view: give it one more round.
	time.Sleep(2 * sweepEvery(k.cfg.Retention))
	k.ack(t, idWeb1, "ci", "success")
	var rec reply.Record
	waitFor(t, "the new record", func() bool {
		var err error
		rec, err = k.Get(context.Background(), idWeb1)
		return err == nil
	})
	if !rec.ReceivedAt.IsZero() || rec.CallbackURL != "" || len(rec.Acks) != 1 || rec.Decision != nil {
		t.Errorf("the owner kept the old record: %+v", rec)
	}
	time.Sleep(300 * time.Millisecond)
	if cb.calls() != 0 {
		t.Errorf("%d callbacks for a record past the retention", cb.calls())
	}
}

// TestAckTimeout: the owner decides the timeouts from its deadlines.
func TestAckTimeout(t *testing.T) {
	cb := newRegistry(t)
	k := start(t, Config{Required: map[string][]string{"dockerhub": {"ci", "scanner"}}, AckTimeout: time.Second})
	for _, id := range []string{idWeb1, idWeb2} {
		if err := k.Received(context.Background(), entry("dockerhub", id, "acme/web:1", cb.hook()), sinks.Receipt{Broker: "kafka"}); err != nil {
			t.Fatal(err)
		}
	}
	k.ack(t, idWeb1, "ci", "success")
	k.ack(t, idWeb2, "ci", "success")
	k.ack(t, idWeb2, "scanner", "failure")
	waitFor(t, "both callbacks", func() bool { return list(t, k, reply.Query{Outcome: reply.OutcomeSent}) == "2,1" })
	one, _ := k.Get(context.Background(), idWeb1)
	two, _ := k.Get(context.Background(), idWeb2)
	if one.Decision.Why != "ack timeout" || one.Decision.Description != "no answer from scanner within 1s" || two.Decision.State != reply.Failure {
		t.Errorf("decisions %+v, %+v", one.Decision, two.Decision)
	}
	if cb.calls() != 2 {
		t.Errorf("%d callbacks", cb.calls())
	}
}

// A callback being posted keeps its record past the retention until it
// is done; the sweep takes the rest.
func TestSweepSparesCallbacksInFlight(t *testing.T) {
	old := time.Now().Add(-time.Hour)
	k := &Subscriber{cfg: Config{Retention: time.Minute}, clock: time.Now}
	o := &owner{k: k, records: map[string]reply.Record{
		idWeb1: {ID: idWeb1, ReceivedAt: old},
		idWeb2: {ID: idWeb2, ReceivedAt: old},
		idAPI:  {ID: idAPI, ReceivedAt: time.Now()},
	}, inFlight: map[string]bool{idWeb2: true}}
	o.sweep()
	if _, ok := o.records[idWeb1]; ok || len(o.records) != 2 {
		t.Errorf("after the sweep: %v", o.records)
	}
}
