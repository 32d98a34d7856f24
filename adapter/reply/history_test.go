package reply

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/sinks"
)

func TestRepository(t *testing.T) {
	for subject, want := range map[string]string{
		"fireflyiii/core:develop":            "fireflyiii/core",
		"foo/bar@sha256:0123":                "foo/bar",
		"foo/bar":                            "foo/bar",
		"registry.example:5000/foo/bar:1.2":  "registry.example:5000/foo/bar",
		"registry.example:5000/foo/bar":      "registry.example:5000/foo/bar",
		"registry.example:5000/foo@sha256:1": "registry.example:5000/foo",
		"":                                   "",
	} {
		r := Record{Subject: subject}
		if got := r.Repository(); got != want {
			t.Errorf("Repository of %q = %q, want %q", subject, got, want)
		}
	}
}

func TestTimeAndLastChange(t *testing.T) {
	r := record()
	if r.Time() != t0 || r.LastChange() != t0 {
		t.Errorf("received record: time %v, last change %v", r.Time(), r.LastChange())
	}
	r.AddAck(ack("ci", Success, ""), 1, t0.Add(time.Minute))
	r.Callback.Attempts = append(r.Callback.Attempts, Attempt{At: t0.Add(2 * time.Minute), Duration: time.Second})
	if r.Time() != t0 || r.LastChange() != t0.Add(2*time.Minute+time.Second) {
		t.Errorf("time %v, last change %v", r.Time(), r.LastChange())
	}
	// A record an ack started dates from the ack.
	a := NewAckRecord(r.ID)
	a.AddAck(ack("ci", Success, ""), 1, t0.Add(time.Hour))
	if a.Time() != t0.Add(time.Hour) || a.LastChange() != t0.Add(time.Hour) {
		t.Errorf("ack record: time %v, last change %v", a.Time(), a.LastChange())
	}
}

// history is a History over a slice, as a broker's would be.
type history []Record

func (h history) Get(_ context.Context, id string) (Record, error) {
	for _, r := range h {
		if r.ID == id {
			return r, nil
		}
	}
	return Record{}, ErrNoRecord
}

func (h history) List(_ context.Context, q Query) ([]Record, error) {
	var out []Record
	for _, r := range h {
		if q.Match(&r) {
			out = append(out, r)
		}
	}
	return q.Newest(out), nil
}

// sampleHistory: three Docker Hub pushes an hour apart (sent, failed,
// waiting) and a DTR event an ack started.
func sampleHistory() history {
	hub := func(id, subject string, at time.Time, outcome string) Record {
		r := NewRecord(id, "com.docker.hub.push", "dockerhub", subject, "https://registry.hub.docker.com/u/a/b/hook/secret-capability/", sinks.Receipt{Broker: "nats"}, nil, time.Minute, at)
		r.Callback.Outcome = outcome
		return r
	}
	dtr := NewAckRecord("00000000000000000000000000000004")
	dtr.AddAck(ack("ci", Success, ""), 1, t0.Add(150*time.Minute))
	return history{
		hub("00000000000000000000000000000001", "acme/web:1", t0, OutcomeSent),
		hub("00000000000000000000000000000002", "acme/web:2", t0.Add(time.Hour), OutcomeFailed),
		hub("00000000000000000000000000000003", "acme/api@sha256:12", t0.Add(2*time.Hour), OutcomeWaiting),
		dtr,
	}
}

func ids(recs []Record) string {
	var s []string
	for _, r := range recs {
		s = append(s, r.ID[len(r.ID)-1:])
	}
	return strings.Join(s, ",")
}

func TestQuery(t *testing.T) {
	h := sampleHistory()
	for _, tt := range []struct {
		q    Query
		want string
	}{
		{Query{}, "4,3,2,1"},
		{Query{Limit: 2}, "4,3"},
		{Query{Registry: "dockerhub"}, "3,2,1"},
		{Query{Repository: "acme/web"}, "2,1"},
		{Query{Repository: "acme/api"}, "3"},
		{Query{Repository: "acme"}, ""},
		{Query{Type: "com.docker.hub.push", Outcome: OutcomeFailed}, "2"},
		{Query{Outcome: OutcomeNone}, "4"},
		{Query{Since: t0.Add(time.Hour)}, "4,3,2"},
		{Query{Since: t0.Add(time.Hour), Until: t0.Add(2 * time.Hour)}, "2"},
	} {
		got, _ := h.List(context.Background(), tt.q)
		if ids(got) != tt.want {
			t.Errorf("%+v: %s, want %s", tt.q, ids(got), tt.want)
		}
	}
}

func TestParseQuery(t *testing.T) {
	now := t0
	q, err := ParseQuery(map[string][]string{"since": {"2h"}, "until": {"2026-01-01T11:30:00Z"}, "registry": {"dockerhub"}, "repository": {"acme/web"},
		"type": {"com.docker.hub.push"}, "outcome": {"sent"}, "limit": {"5"}, "access_token": {"x"}}, now)
	want := Query{Since: now.Add(-2 * time.Hour), Until: time.Date(2026, 1, 1, 11, 30, 0, 0, time.UTC), Registry: "dockerhub", Repository: "acme/web", Type: "com.docker.hub.push", Outcome: "sent", Limit: 5}
	if err != nil || !reflect.DeepEqual(q, want) {
		t.Errorf("%+v, %v", q, err)
	}
	if q, err := ParseQuery(map[string][]string{"since": {"7d"}}, now); err != nil || q.Since != now.Add(-7*24*time.Hour) || q.Limit != DefaultListLimit {
		t.Errorf("7d: %+v, %v", q, err)
	}
	for params, says := range map[string]string{
		"since=yesterday": "since=\"yesterday\": want a duration back from now",
		"since=-2h":       "a duration back from now is positive",
		"outcome=done":    "want one of none, waiting",
		"limit=0":         "want a number from 1 to 1000",
		"limit=1001":      "want a number from 1 to 1000",
		"repo=acme/web":   `unknown parameter "repo"`,
	} {
		name, val, _ := strings.Cut(params, "=")
		if _, err := ParseQuery(map[string][]string{name: {val}}, now); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("%s: %v, want %q", params, err, says)
		}
	}
}

func get(t *testing.T, h http.Handler, target string) (int, string) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
	return w.Code, w.Body.String()
}

func TestAPI(t *testing.T) {
	api := API{History: sampleHistory()}
	code, body := get(t, api, "/api/events?registry=dockerhub&limit=2")
	var list struct {
		Events []Record `json:"events"`
		More   bool     `json:"more"`
	}
	if err := json.Unmarshal([]byte(body), &list); code != 200 || err != nil || ids(list.Events) != "3,2" || !list.More {
		t.Fatalf("%d %s", code, body)
	}
	if strings.Contains(body, "secret-capability") || list.Events[0].CallbackURL != "https://registry.hub.docker.com/…" {
		t.Errorf("a list shows the callback URL: %s", body)
	}
	if code, body := get(t, api, "/api/events/?repository=acme/web"); code != 200 || !strings.Contains(body, `"more":false`) || strings.Count(body, `"id"`) != 2 {
		t.Errorf("/api/events/: %d %s", code, body)
	}
	if code, body := get(t, api, "/api/events?outcome=done"); code != 400 || !strings.Contains(body, "want one of") {
		t.Errorf("bad filter: %d %s", code, body)
	}
	if code, body := get(t, api, "/api/events/00000000000000000000000000000002"); code != 200 || !strings.Contains(body, `"outcome":"failed"`) || strings.Contains(body, "secret-capability") {
		t.Errorf("one record: %d %s", code, body)
	}
	if code, body := get(t, api, "/api/events/0123456789abcdef0123456789abcdef"); code != 404 || !strings.Contains(body, "in the events stream (NATS) or topic (Kafka) is found there") {
		t.Errorf("no record: %d %s", code, body)
	}
	if code, _ := get(t, api, "/api/things"); code != 404 {
		t.Errorf("/api/things: %d", code)
	}
	w := httptest.NewRecorder()
	api.ServeHTTP(w, httptest.NewRequest(http.MethodDelete, "/api/events", nil))
	if w.Code != 405 || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("DELETE: %d", w.Code)
	}
	if code, body := get(t, API{History: failing{}}, "/api/events"); code != 503 || !strings.Contains(body, "reading the records: store unavailable") {
		t.Errorf("store down: %d %s", code, body)
	}
}

type failing struct{}

func (failing) Get(context.Context, string) (Record, error) {
	return Record{}, errors.New("store unavailable")
}
func (failing) List(context.Context, Query) ([]Record, error) {
	return nil, errors.New("store unavailable")
}

// Each kind of cursor reads back as the query of the page after its
// record: a time and an id (a list of records), a stream sequence
// (NATS), the partitions' offsets (Kafka); anything else is refused.
func TestCursor(t *testing.T) {
	for _, tt := range []struct {
		rec  Record
		want Query
	}{
		{Record{ID: "a1", ReceivedAt: t0}, Query{AfterTime: t0, AfterID: "a1"}},
		{Record{ID: "a1", ReceivedAt: t0, Stored: Destination{Broker: "nats", Stream: "HUBWIRE_EVENTS", Seq: 12}}, Query{Before: 12}},
		{Record{ID: "a1", ReceivedAt: t0, Stored: Destination{Broker: "kafka", Stream: "hubwire.events", Partition: 1, Seq: 7}, Next: map[int]int64{0: 3, 1: 7, 2: 0}},
			Query{Offsets: map[int]int64{0: 3, 1: 7, 2: 0}}},
	} {
		q, err := ParseQuery(map[string][]string{"cursor": {Cursor(&tt.rec)}}, t0)
		tt.want.Limit = DefaultListLimit
		if err != nil || !reflect.DeepEqual(q, tt.want) {
			t.Errorf("the cursor of %+v reads as %+v (%v), want %+v", tt.rec, q, err, tt.want)
		}
	}
	for _, c := range []string{"x", encodeCursor("seq 0"), encodeCursor("offsets 0:1,x"), encodeCursor("offsets 0:-1"), encodeCursor("offsets "), encodeCursor("yesterday a1")} {
		if _, err := ParseQuery(map[string][]string{"cursor": {c}}, t0); err == nil || !strings.Contains(err.Error(), "not a cursor hubwire gave") {
			t.Errorf("cursor %q: %v", c, err)
		}
	}
}
