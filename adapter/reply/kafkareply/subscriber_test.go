package kafkareply

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/sinks"
	kafkasink "github.com/hubwire/hubwire/sinks/kafka"
	"github.com/hubwire/hubwire/sinks/store"
)

const (
	acksTopic       = "hubwire.acks"
	deliveriesTopic = "hubwire.deliveries"
	idWeb1          = "00000000000000000000000000000001"
	idWeb2          = "00000000000000000000000000000002"
	idAPI           = "00000000000000000000000000000003"
	idDTR           = "00000000000000000000000000000004"
)

// entry is a stored event as the store hands it over: a Docker Hub push
// unless the test changes its type.
func entry(source string, id, subject, callbackURL string) sinks.Entry {
	e := event.New()
	e.SetID(id)
	e.SetSource("urn:test")
	e.SetType("com.docker.hub.push")
	e.SetSubject(subject)
	e.SetTime(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	repo, _, _ := strings.Cut(subject, ":")
	repo, _, _ = strings.Cut(repo, "@")
	e.SetExtension("partitionkey", repo)
	_ = e.SetData("application/json", map[string]any{"registry": source, "payload": map[string]any{"repository": repo, "pusher": "user-" + id[28:]}})
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

const eventsTopic = "hubwire.events"

// registries is the registry of each event type the tests publish.
var registries = map[string]string{"com.docker.hub.push": "dockerhub", "com.docker.dtr.tag.pull": "dtr"}

// cluster is a kfake cluster with hubwire's topics, three partitions each.
func cluster(t *testing.T) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.SeedTopics(3, acksTopic, deliveriesTopic, eventsTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// start starts a subscriber on a cluster of its own.
func start(t *testing.T, cfg Config) *Subscriber {
	t.Helper()
	return startOn(t, cluster(t), cfg)
}

// startOn starts a subscriber on c, as a replica of hubwire serve does.
func startOn(t *testing.T, c *kfake.Cluster, cfg Config) *Subscriber {
	t.Helper()
	cfg.Brokers, cfg.AcksTopic, cfg.DeliveriesTopic, cfg.GroupID = c.ListenAddrs(), acksTopic, deliveriesTopic, "hubwire-reply"
	cfg.Events, cfg.Registries = eventsTopic, registries
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

// publisher stores events as hubwire serve does: published to the events
// topic, with k told of each (it records those with a callback_url).
func publisher(t *testing.T, c *kfake.Cluster, k *Subscriber) *store.Store {
	t.Helper()
	sink, err := kafkasink.New(context.Background(), kafkasink.Config{Brokers: c.ListenAddrs(), Topic: eventsTopic, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	st, err := store.New(context.Background(), store.Config{Sink: sink, Recorder: k, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return st
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

// TestHistory lists the events topic, with the records, through
// reply.History and the HTTP API, filtered and newest first. The events
// are stored as hubwire serve stores them: published to the topic, with
// a record only for those with a callback_url (or once acked).
func TestHistory(t *testing.T) {
	cb := newRegistry(t)
	c := cluster(t)
	k := startOn(t, c, Config{})
	st := publisher(t, c, k)
	ctx := context.Background()
	for _, e := range []struct{ id, source, subject, callback string }{
		{idWeb1, "dockerhub", "acme/web:1", cb.hook()}, {idWeb2, "dockerhub", "acme/web:2", cb.hook()},
		{idAPI, "dtr", "acme/api@sha256:12", cb.hook()}, {idDTR, "dtr", "acme/app:1", ""},
	} {
		d := entry(e.source, e.id, e.subject, e.callback)
		if e.id == idDTR {
			d.Event.SetType("com.docker.dtr.tag.pull")
		}
		if _, err := st.Put(ctx, d); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond) // distinct record times
	}
	// An event that has no record (no callback_url, no ack yet) is found
	// in the topic; one with a record has the topic's part too.
	rec, err := k.Get(ctx, idDTR)
	if err != nil || rec.Stored.Broker != "kafka" || rec.Stored.Stream != eventsTopic || rec.Source != "dtr" || rec.Subject != "acme/app:1" ||
		rec.ReceivedAt.IsZero() || !rec.EventTime.Equal(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)) ||
		!strings.Contains(string(rec.Event), `"subject":"acme/app:1"`) || rec.Callback.Outcome != reply.OutcomeNone {
		t.Errorf("Get of an event without a record: %+v %v", rec, err)
	}
	waitFor(t, "the records", func() bool {
		r, err := k.Get(ctx, idWeb1)
		return err == nil && r.Callback.Outcome == reply.OutcomeWaiting
	})
	rec, err = k.Get(ctx, idWeb1)
	if err != nil || rec.Stored.Stream != eventsTopic || rec.Callback.Outcome != reply.OutcomeWaiting || !strings.Contains(string(rec.Event), `"id":"`+idWeb1+`"`) {
		t.Errorf("Get of an event with a record: %+v %v", rec, err)
	}
	// Where it is stored is where a reader of the topic finds it.
	if got := readAt(t, c, rec.Stored.Partition, int64(rec.Stored.Seq)); got != idWeb1 {
		t.Errorf("%s is stored at partition %d offset %d, which holds %s", idWeb1, rec.Stored.Partition, rec.Stored.Seq, got)
	}
	if _, err := k.Get(ctx, "00000000000000000000000000000009"); err != reply.ErrNoRecord {
		t.Errorf("Get of an event neither stored nor recorded: %v", err)
	}
	// An ack decides idWeb2, whose callback is sent; another starts the
	// record of an event without a callback.
	k.ack(t, idWeb2, "ci", "success")
	k.ack(t, idDTR, "ci", "success")
	waitFor(t, "both acks and the callback", func() bool {
		return list(t, k, reply.Query{}) == "4,3,2,1" && list(t, k, reply.Query{Outcome: reply.OutcomeSent}) == "2" && list(t, k, reply.Query{Outcome: reply.OutcomeAcked}) == "4,2"
	})
	for _, tt := range []struct {
		q    reply.Query
		want string
	}{
		{reply.Query{Limit: 2}, "4,3"},
		{reply.Query{Registry: "dockerhub"}, "2,1"},
		{reply.Query{Registry: "dtr"}, "4,3"},
		{reply.Query{Type: "com.docker.dtr.tag.pull"}, "4"},
		{reply.Query{Repository: "acme/web", Outcome: reply.OutcomeWaiting}, "1"},
		{reply.Query{Repository: "acme/api"}, "3"},
		{reply.Query{Tag: "2"}, "2"},
		{reply.Query{Outcome: reply.OutcomeNone}, "4"},
		{reply.Query{Outcome: reply.OutcomeUnacked}, "3,1"},
		{reply.Query{Text: "USER-0003"}, "3"},
		{reply.Query{Since: time.Now().Add(time.Hour)}, ""},
		{reply.Query{Since: time.Now().Add(-time.Hour), Until: time.Now().Add(time.Hour)}, "4,3,2,1"},
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
	if body := w.Body.String(); w.Code != 200 || strings.Count(body, `"received_at"`) != 1 || strings.Contains(body, "secret-capability") || !strings.Contains(body, `"stream":"hubwire.events"`) {
		t.Errorf("GET /api/events: %d %s", w.Code, body)
	}
}

// TestHistoryPages pages through the events topic with the API's cursor:
// every event exactly once, newest first, as one list of them all has
// them; and the same with a filter. Events that arrive meanwhile wait
// for the next first page.
func TestHistoryPages(t *testing.T) {
	c := cluster(t)
	k := startOn(t, c, Config{})
	st := publisher(t, c, k)
	ctx := context.Background()
	put := func(i int) {
		d := entry("dockerhub", fmt.Sprintf("%032d", i), fmt.Sprintf("acme/web-%d:1.%d", i%5, i%3), "")
		if i%4 == 0 {
			d.Event.SetType("com.docker.dtr.tag.pull")
		}
		if _, err := st.Put(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 40 {
		put(i)
	}
	for _, filter := range []string{"", "&registry=dtr", "&tag=1.2", "&q=user-0001"} {
		q, err := reply.ParseQuery(mustQuery(t, strings.TrimPrefix(filter, "&")), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		q.Limit = 0
		all, err := k.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, r := range all {
			want = append(want, r.ID)
		}
		if len(want) == 0 || (filter == "" && len(want) != 40) {
			t.Fatalf("%q lists %d events", filter, len(want))
		}
		var got []string
		cursor := ""
		for page := 0; ; page++ {
			var body struct {
				Events []reply.Record `json:"events"`
				Next   string         `json:"next"`
			}
			w := httptest.NewRecorder()
			k.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/events?limit=3"+filter+"&cursor="+url.QueryEscape(cursor), nil))
			if err := json.Unmarshal(w.Body.Bytes(), &body); w.Code != 200 || err != nil {
				t.Fatalf("page %d: %d %s", page, w.Code, w.Body)
			}
			for _, r := range body.Events {
				got = append(got, r.ID)
			}
			if page == 0 {
				put(100 + len(got)) // newer than every page: not on any
			}
			if body.Next == "" {
				break
			}
			if cursor = body.Next; page > 40 {
				t.Fatal("the pages do not end")
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: pages of 3 listed\n%v\nwant\n%v", filter, got, want)
		}
	}
}

// mustQuery is a query string's values.
func mustQuery(t *testing.T, s string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// readAt is the id of the event at partition p, offset o of the events
// topic, read with a plain Kafka reader.
func readAt(t *testing.T, c *kfake.Cluster, p int, o int64) string {
	t.Helper()
	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: c.ListenAddrs(), Topic: eventsTopic, Partition: p})
	defer r.Close()
	if err := r.SetOffset(o); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := r.ReadMessage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range m.Headers {
		if h.Key == "ce_id" {
			return string(h.Value)
		}
	}
	return ""
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
	c := cluster(t)
	k := startOn(t, c, Config{Required: map[string][]string{"dockerhub": {"ci", "scanner"}}, AckTimeout: time.Second})
	st := publisher(t, c, k)
	for _, id := range []string{idWeb1, idWeb2} {
		if _, err := st.Put(context.Background(), entry("dockerhub", id, "acme/web:1", cb.hook())); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond) // distinct record times
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
