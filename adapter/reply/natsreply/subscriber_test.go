package natsreply

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	natsgo "github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/sinks"
	natssink "github.com/hubwire/hubwire/sinks/nats"
	"github.com/hubwire/hubwire/sinks/nats/natstest"
	"github.com/hubwire/hubwire/sinks/store"
)

// entry is a stored event as the store hands it over.
func entry(source string, id, typ, subject, callbackURL string) sinks.Entry {
	e := event.New()
	e.SetID(id)
	e.SetSource("urn:test")
	e.SetType(typ)
	e.SetSubject(subject)
	e.SetTime(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	_ = e.SetData("application/json", map[string]any{"registry": source, "payload": map[string]any{"subject": subject}})
	return sinks.Entry{Source: source, Address: sinks.Address{Source: source, Kind: "push", Namespace: "acme", Name: "web"}, Event: &e, CallbackURL: callbackURL}
}

// publisher is the store of hubwire serve on the test's broker: events go
// to the stream events, their records to s.
func publisher(t *testing.T, url string, s *Subscriber) *store.Store {
	t.Helper()
	nc, err := natsgo.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	sink, err := natssink.New(context.Background(), nc, natssink.Config{Stream: natssink.StreamConfig{Name: events, MaxAge: time.Hour, Duplicates: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	st, err := store.New(context.Background(), store.Config{Sink: sink, Recorder: s, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// events is the stream of the tests' events.
const events = "HUBWIRE_EVENTS"

// callbacks is the registry's callback endpoint; hook(callbacks) is a
// callback URL on it, whose path must never be shown.
func callbacks(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(srv.Close)
	return srv
}

func hook(srv *httptest.Server) string { return srv.URL + "/u/acme/web/hook/secret-capability/" }

func start(t *testing.T, url string, reg prometheus.Registerer) *Subscriber {
	t.Helper()
	nc, err := natsgo.Connect(url, natsgo.MaxReconnects(-1), natsgo.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	s, err := Start(context.Background(), Config{
		Conn: nc, Events: events, AckTimeout: time.Minute, Retention: time.Hour, Metrics: reply.NewMetrics(reg),
		Poster: &reply.Poster{AllowedHosts: []string{"127.0.0.1:*"}, AllowInsecure: true, Timeout: time.Second, MaxAttempts: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const (
	idWeb1 = "00000000000000000000000000000001"
	idWeb2 = "00000000000000000000000000000002"
	idAPI  = "00000000000000000000000000000003"
	idDTR  = "00000000000000000000000000000004"
)

// TestHistory lists the events stream, with the bucket's records,
// through reply.History and the HTTP API, filtered and newest first. The
// events are stored as hubwire serve stores them: published to the
// stream, with a record beside the publish only for those with a
// callback_url.
func TestHistory(t *testing.T) {
	b := natstest.StartBroker(t)
	s := start(t, b.URL(), prometheus.NewRegistry())
	st := publisher(t, b.URL(), s)
	cb := callbacks(t)
	ctx := context.Background()
	for _, e := range []struct{ id, source, subject, callback string }{
		{idWeb1, "dockerhub", "acme/web:1", hook(cb)}, {idWeb2, "dockerhub", "acme/web:2", hook(cb)},
		{idAPI, "dtr", "acme/api@sha256:12", hook(cb)}, {idDTR, "dtr", "acme/app:1", ""},
	} {
		d := entry(e.source, e.id, "com.docker.hub.push", e.subject, e.callback)
		if e.id == idDTR {
			d.Event.SetType("com.docker.dtr.tag.pull")
		}
		if _, err := st.Put(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	// An event that has no record (no callback_url, no ack yet) is
	// found in the stream; one with a record has the stream's part too.
	if rec, err := s.Get(ctx, idDTR); err != nil || rec.Stored.Seq != 4 || rec.Stored.Stream != events || rec.Source != "dtr" ||
		rec.Subject != "acme/app:1" || rec.ReceivedAt.IsZero() || !rec.EventTime.Equal(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)) ||
		!strings.Contains(string(rec.Event), `"subject":"acme/app:1"`) || rec.Callback.Outcome != reply.OutcomeNone {
		t.Errorf("Get of an event without a record: %+v %v", rec, err)
	}
	if rec, err := s.Get(ctx, idWeb1); err != nil || rec.Stored.Seq != 1 || rec.Callback.Outcome != reply.OutcomeWaiting ||
		!strings.Contains(string(rec.Event), `"id":"`+idWeb1+`"`) {
		t.Errorf("Get of an event with a record: %+v %v", rec, err)
	}
	// The registry repeats a delivery: the stream keeps one event, the
	// record counts the repeat.
	if r, err := st.Put(ctx, entry("dockerhub", idWeb1, "com.docker.hub.push", "acme/web:1", hook(cb))); err != nil || !r.Duplicate {
		t.Fatalf("repeated delivery: %+v %v", r, err)
	}
	if rec, err := s.Get(ctx, idWeb1); err != nil || rec.Duplicates != 1 || rec.Stored.Seq != 1 {
		t.Errorf("after a repeated delivery: %+v %v", rec, err)
	}
	nc, _ := natsgo.Connect(b.URL())
	defer nc.Close()
	// An ack decides idWeb2, whose callback is sent; another starts the
	// record of an event without a callback.
	for _, id := range []string{idWeb2, idDTR} {
		if _, err := nc.Request(AckSubjectPrefix+"."+id, []byte(`{"consumer":"ci","state":"success"}`), 5*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "both acks and the callback", func() bool {
		recs, err := s.List(ctx, reply.Query{})
		return err == nil && len(recs) == 4 && len(recs[0].Acks) == 1 && recs[2].Callback.Outcome == reply.OutcomeSent
	})

	list := func(q reply.Query) string {
		t.Helper()
		recs, err := s.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range recs {
			got = append(got, r.ID[31:])
		}
		return strings.Join(got, ",")
	}
	for _, tt := range []struct {
		q    reply.Query
		want string
	}{
		{reply.Query{}, "4,3,2,1"},
		{reply.Query{Limit: 1}, "4"},
		{reply.Query{Registry: "dockerhub"}, "2,1"},
		{reply.Query{Repository: "acme/web"}, "2,1"},
		{reply.Query{Repository: "acme/api", Type: "com.docker.hub.push"}, "3"},
		{reply.Query{Registry: "dtr", Type: "com.docker.dtr.tag.pull"}, "4"},
		{reply.Query{Registry: "quay"}, ""},
		{reply.Query{Before: 3}, "2,1"},
		{reply.Query{Outcome: reply.OutcomeWaiting}, "3,1"},
		{reply.Query{Outcome: reply.OutcomeNone}, "4"},
		{reply.Query{Outcome: reply.OutcomeSent}, "2"},
		{reply.Query{Until: time.Now().Add(-time.Hour)}, ""},
		{reply.Query{Tag: "2"}, "2"},
		{reply.Query{Text: "ACME/WEB:1"}, "1"},
		{reply.Query{Outcome: reply.OutcomeAcked}, "4,2"},
		{reply.Query{Outcome: reply.OutcomeUnacked}, "3,1"},
	} {
		if got := list(tt.q); got != tt.want {
			t.Errorf("%+v: %s, want %s", tt.q, got, tt.want)
		}
	}

	if _, err := s.Get(ctx, "0123456789abcdef0123456789abcdef"); !errors.Is(err, reply.ErrNoRecord) {
		t.Errorf("unknown id: %v", err)
	}
	if _, err := s.Get(ctx, "not a key"); !errors.Is(err, reply.ErrNoRecord) {
		t.Errorf("invalid key: %v", err)
	}

	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/events?repository=acme/web&since=1h", nil))
	if body := w.Body.String(); w.Code != 200 || strings.Count(body, `"received_at"`) != 2 || strings.Contains(body, "secret-capability") {
		t.Errorf("GET /api/events: %d %s", w.Code, body)
	}
	// Pages follow the stream: the cursor is where the last one ended.
	var ids []string
	for next := "limit=1"; next != ""; {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/events?"+next, nil))
		var page struct {
			Events []reply.Record `json:"events"`
			Next   string         `json:"next"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil || len(page.Events) != 1 {
			t.Fatalf("GET /api/events?%s: %d %s", next, w.Code, w.Body)
		}
		ids = append(ids, page.Events[0].ID[31:])
		next = ""
		if page.Next != "" {
			next = "limit=1&cursor=" + page.Next
		}
	}
	if got := strings.Join(ids, ","); got != "4,3,2,1" {
		t.Errorf("pages: %s, want 4,3,2,1", got)
	}
}

// A record write that fails is counted (and the receiver, told, answers
// 503 and logs it).
func TestReceiptWriteErrorCounted(t *testing.T) {
	b := natstest.StartBroker(t)
	reg := prometheus.NewRegistry()
	s := start(t, b.URL(), reg)
	b.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.Received(ctx, entry("dockerhub", idWeb1, "com.docker.hub.push", "acme/web:1", hook(callbacks(t))), sinks.Receipt{}); err == nil {
		t.Fatal("recorded with the broker down")
	}
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() != "hubwire_record_write_errors_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == reply.OpReceipt && m.GetCounter().GetValue() == 1 {
				b.Start() // for Stop to find the connection
				return
			}
		}
	}
	t.Error(`hubwire_record_write_errors_total{operation="receipt"} is not 1`)
	b.Start()
}
