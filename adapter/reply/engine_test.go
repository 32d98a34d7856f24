package reply

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// memRecords is Records in memory, as the engine sees a broker; fail,
// when set, decides whether a write (the record as change made it) fails.
type memRecords struct {
	mu     sync.Mutex
	recs   map[string]Record
	writes int
	fail   func(Record) error
}

func (m *memRecords) Update(ctx context.Context, id string, change func(*Record) bool) (Record, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, err // as a broker's write does once its context ended
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.recs[id]
	if !ok {
		return cur, ErrNoRecord
	}
	rec := cur.Clone()
	if !change(&rec) {
		return rec, nil
	}
	if m.fail != nil {
		if err := m.fail(rec); err != nil {
			return cur, err
		}
	}
	m.writes++
	m.recs[id] = rec
	return rec, nil
}

func (m *memRecords) get(id string) Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec := m.recs[id]
	return rec.Clone()
}

func (m *memRecords) set(rec Record) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recs[rec.ID] = rec
}

// syncBuffer is a log the engine's goroutines may write to at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// engineTest is an engine over memRecords holding one decided record
// whose callback goes to srv, at a path that must never be logged.
type engineTest struct {
	*Engine
	recs *memRecords
	reg  *prometheus.Registry
	log  *syncBuffer
	id   string
}

const secretPath = "/u/a/b/hook/secret-capability/"

func newEngineTest(t *testing.T, srv *callbackServer, lease time.Duration) *engineTest {
	rec := record()
	rec.CallbackURL = srv.URL + secretPath
	rec.AddAck(ack("ci", Success, "387 tests PASSED"), 1, t0)
	if rec.Callback.Outcome != OutcomeQueued {
		t.Fatalf("record not decided: %+v", rec)
	}
	et := &engineTest{recs: &memRecords{recs: map[string]Record{rec.ID: rec}}, reg: prometheus.NewRegistry(), log: &syncBuffer{}, id: rec.ID}
	et.Engine = &Engine{Records: et.recs, Poster: testPoster(), Metrics: NewMetrics(et.reg), Lease: lease,
		Logger: slog.New(slog.NewJSONHandler(et.log, nil))}
	t.Cleanup(func() {
		if strings.Contains(et.log.String(), "secret-capability") {
			t.Errorf("the log holds the callback URL's path:\n%s", et.log)
		}
	})
	return et
}

// counter reads one series of a counter from the test's registry.
func (et *engineTest) counter(t *testing.T, name, label string) float64 {
	t.Helper()
	mfs, err := et.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

func TestEnginePostsOnce(t *testing.T) {
	srv := newCallbackServer(t, 200)
	et := newEngineTest(t, srv, time.Minute)
	res, err := et.Callback(context.Background(), et.id, nil)
	if err != nil || res.Outcome != OutcomeSent || srv.calls() != 1 {
		t.Fatalf("result %+v, %v after %d calls", res, err, srv.calls())
	}
	rec := et.recs.get(et.id)
	if rec.Callback.Outcome != OutcomeSent || len(rec.Callback.Attempts) != 1 || rec.Callback.Attempts[0].Status != 200 || rec.Callback.ClaimedAt.IsZero() {
		t.Errorf("record %+v", rec.Callback)
	}
	if b := srv.bodies[0]; b.State != Success || b.Description != "387 tests PASSED" {
		t.Errorf("body %+v", b)
	}
	// Asked again (a repeated work item, a second ack): nothing to post.
	if res, err := et.Callback(context.Background(), et.id, nil); err != nil || res.Outcome != "" || srv.calls() != 1 {
		t.Errorf("second call: %+v, %v, %d POSTs", res, err, srv.calls())
	}
	if got := et.counter(t, "hubwire_callbacks_total", OutcomeSent); got != 1 {
		t.Errorf("hubwire_callbacks_total{outcome=sent} %v", got)
	}
	// No record, or no decision yet: nothing to post either.
	if res, err := et.Callback(context.Background(), "fedcba9876543210fedcba9876543210", nil); err != nil || res.Outcome != "" {
		t.Errorf("no record: %+v, %v", res, err)
	}
	waiting := record("ci")
	waiting.ID = "00000000000000000000000000000001"
	et.recs.set(waiting)
	if res, err := et.Callback(context.Background(), waiting.ID, nil); err != nil || res.Outcome != "" || et.recs.get(waiting.ID).Callback.Outcome != OutcomeWaiting {
		t.Errorf("undecided: %+v, %v", res, err)
	}
}

func TestEngineRefusesAHostNotAllowed(t *testing.T) {
	srv := newCallbackServer(t, 200)
	et := newEngineTest(t, srv, time.Minute)
	et.Poster.AllowedHosts = DefaultAllowedHosts
	res, err := et.Callback(context.Background(), et.id, nil)
	if err != nil || res.Outcome != OutcomeRefused || srv.calls() != 0 {
		t.Fatalf("result %+v, %v after %d calls", res, err, srv.calls())
	}
	rec := et.recs.get(et.id)
	if rec.Callback.Outcome != OutcomeRefused || !strings.Contains(rec.Callback.Note, `host "127.0.0.1:`) || et.recs.writes != 1 {
		t.Errorf("record %+v after %d writes", rec.Callback, et.recs.writes)
	}
	if got := et.counter(t, "hubwire_callbacks_total", OutcomeRefused); got != 1 {
		t.Errorf("hubwire_callbacks_total{outcome=refused} %v", got)
	}
}

// A callback another replica is posting is left to it until its lease
// runs out; with no lease (Kafka's single writer) it is taken at once.
func TestEngineLease(t *testing.T) {
	srv := newCallbackServer(t, 200)
	et := newEngineTest(t, srv, time.Minute)
	rec := et.recs.get(et.id)
	rec.Callback.Outcome, rec.Callback.ClaimedAt = OutcomePosting, time.Now().Add(-10*time.Second)
	et.recs.set(rec)
	res, err := et.Callback(context.Background(), et.id, nil)
	if err != nil || res.Outcome != OutcomePosting || res.Again < 45*time.Second || res.Again > 52*time.Second || srv.calls() != 0 {
		t.Fatalf("held by another: %+v, %v, %d POSTs", res, err, srv.calls())
	}

	rec.Callback.ClaimedAt = time.Now().Add(-2 * time.Minute)
	et.recs.set(rec)
	if res, err := et.Callback(context.Background(), et.id, nil); err != nil || res.Outcome != OutcomeSent || srv.calls() != 1 {
		t.Fatalf("lease lapsed: %+v, %v, %d POSTs", res, err, srv.calls())
	}

	et.Lease = 0
	rec.Callback.ClaimedAt = time.Now()
	et.recs.set(rec)
	if res, err := et.Callback(context.Background(), et.id, nil); err != nil || res.Outcome != OutcomeSent || srv.calls() != 2 {
		t.Fatalf("no lease: %+v, %v, %d POSTs", res, err, srv.calls())
	}
}

func TestEngineRenewsTheLease(t *testing.T) {
	srv := newCallbackServer(t, 503, 503, 200)
	srv.header.Set("Retry-After", "1")
	et := newEngineTest(t, srv, 200*time.Millisecond)
	var mu sync.Mutex
	alive := 0
	res, err := et.Callback(context.Background(), et.id, func() { mu.Lock(); alive++; mu.Unlock() })
	if err != nil || res.Outcome != OutcomeSent {
		t.Fatalf("%+v, %v", res, err)
	}
	mu.Lock()
	defer mu.Unlock()
	// Two seconds of backoff at a renewal every 50ms.
	if alive < 10 || et.recs.writes < 10 {
		t.Errorf("%d renewals, %d writes in two seconds of a 200ms lease", alive, et.recs.writes)
	}
}

// waitCalls waits until srv got n POSTs.
func waitCalls(t *testing.T, srv *callbackServer, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for srv.calls() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d POSTs, want %d", srv.calls(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestEngineHandsBackOnStop(t *testing.T) {
	srv := newCallbackServer(t, 503, 200)
	srv.header.Set("Retry-After", "60") // capped at MaxDelay, 2s
	et := newEngineTest(t, srv, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { waitCalls(t, srv, 1); time.Sleep(100 * time.Millisecond); cancel() }()
	res, err := et.Callback(ctx, et.id, nil)
	if err != nil || res.Outcome != OutcomeInterrupted || srv.calls() != 1 {
		t.Fatalf("%+v, %v after %d POSTs", res, err, srv.calls())
	}
	rec := et.recs.get(et.id)
	if rec.Callback.Outcome != OutcomeQueued || !rec.Callback.ClaimedAt.IsZero() || len(rec.Callback.Attempts) != 1 || rec.Callback.Attempts[0].Status != 503 {
		t.Errorf("not handed back: %+v", rec.Callback)
	}
	// The next one finishes it.
	if res, err := et.Callback(context.Background(), et.id, nil); err != nil || res.Outcome != OutcomeSent || srv.calls() != 2 {
		t.Errorf("after the hand-back: %+v, %v, %d POSTs", res, err, srv.calls())
	}
	// A stopped engine claims nothing.
	if res, err := et.Callback(ctx, et.id, nil); err != nil || res.Outcome != OutcomeInterrupted || srv.calls() != 2 {
		t.Errorf("after the stop: %+v, %v", res, err)
	}
}

// A claim that lapsed and was taken over (and finished) by another
// replica is not handed back: that would post the callback again.
func TestEngineHandsBackOnlyItsOwnClaim(t *testing.T) {
	srv := newCallbackServer(t, 503, 200)
	srv.header.Set("Retry-After", "60")
	et := newEngineTest(t, srv, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		waitCalls(t, srv, 1)
		time.Sleep(100 * time.Millisecond)
		rec := et.recs.get(et.id)
		rec.Callback.Outcome = OutcomeSent
		et.recs.set(rec)
		cancel()
	}()
	if res, _ := et.Callback(ctx, et.id, nil); res.Outcome != OutcomeInterrupted {
		t.Fatalf("%+v", res)
	}
	if got := et.recs.get(et.id).Callback.Outcome; got != OutcomeSent {
		t.Errorf("outcome %s, want the other replica's sent", got)
	}
}

var errStore = errors.New("store unavailable")

// Every write is checked: one that fails is logged, with the event id
// and never the callback URL's path, and counted.
func TestEngineWriteErrorsAreLoggedAndCounted(t *testing.T) {
	srv := newCallbackServer(t, 200)
	et := newEngineTest(t, srv, time.Minute)
	outcomeFailures := 0
	et.recs.fail = func(r Record) error {
		switch {
		case len(r.Callback.Attempts) == 1 && r.Callback.Outcome == OutcomePosting:
			return errStore // the attempt's write
		case r.Callback.Outcome == OutcomeSent && outcomeFailures < 2:
			outcomeFailures++
			return errStore
		}
		return nil
	}
	res, err := et.Callback(context.Background(), et.id, nil)
	if err != nil || res.Outcome != OutcomeSent || srv.calls() != 1 {
		t.Fatalf("%+v, %v after %d POSTs", res, err, srv.calls())
	}
	if rec := et.recs.get(et.id); rec.Callback.Outcome != OutcomeSent || len(rec.Callback.Attempts) != 0 {
		t.Errorf("record %+v: the outcome is retried until written, the attempt's line is lost", rec.Callback)
	}
	if a, o := et.counter(t, "hubwire_record_write_errors_total", OpAttempt), et.counter(t, "hubwire_record_write_errors_total", OpOutcome); a != 1 || o != 2 {
		t.Errorf("write errors: attempt %v, outcome %v; want 1 and 2", a, o)
	}
	log := et.log.String()
	for _, want := range []string{`"msg":"callback attempt not recorded"`, `"operation":"attempt"`, `"operation":"outcome"`, `"event_id":"` + et.id + `"`, "store unavailable"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
}

func TestEngineClaimThatFailsPostsNothing(t *testing.T) {
	srv := newCallbackServer(t, 200)
	et := newEngineTest(t, srv, time.Minute)
	et.recs.fail = func(Record) error { return errStore }
	res, err := et.Callback(context.Background(), et.id, nil)
	if !errors.Is(err, errStore) || res.Outcome != "" || srv.calls() != 0 {
		t.Fatalf("%+v, %v after %d POSTs", res, err, srv.calls())
	}
	if got := et.counter(t, "hubwire_record_write_errors_total", OpClaim); got != 1 {
		t.Errorf("claim errors %v", got)
	}
	if rec := et.recs.get(et.id); rec.Callback.Outcome != OutcomeQueued {
		t.Errorf("record %+v", rec.Callback)
	}
	if !strings.Contains(et.log.String(), `"msg":"callback not claimed"`) {
		t.Errorf("log %s", et.log)
	}
}

// Every operation of hubwire_record_write_errors_total is exported at 0
// from the start, for alerts on its rate.
func TestRecordWriteErrorsExported(t *testing.T) {
	reg := prometheus.NewRegistry()
	NewMetrics(reg)
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "hubwire_record_write_errors_total" {
			if n := len(mf.GetMetric()); n != 8 {
				t.Errorf("%d series", n)
			}
			return
		}
	}
	t.Error("hubwire_record_write_errors_total not registered")
}

// TestEngineRecordsTheAttemptInFlightAtStop: an attempt answered after the
// stop, later than the writes' own grace, still has its answer and the
// outcome recorded, so that whoever comes next does not post it again.
func TestEngineRecordsTheAttemptInFlightAtStop(t *testing.T) {
	defer func(was time.Duration) { finalWrites = was }(finalWrites)
	finalWrites = 100 * time.Millisecond
	arrived := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		arrived <- struct{}{}
		time.Sleep(600 * time.Millisecond) // within the Poster's 2s, past finalWrites
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(slow.Close)
	et := newEngineTest(t, &callbackServer{Server: slow}, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	res, err := et.Callback(ctx, et.id, nil)
	if err != nil || res.Outcome != OutcomeSent {
		t.Fatalf("%+v, %v", res, err)
	}
	if rec := et.recs.get(et.id); rec.Callback.Outcome != OutcomeSent || len(rec.Callback.Attempts) != 1 || rec.Callback.Attempts[0].Status != 200 {
		t.Errorf("not recorded: %+v", rec.Callback)
	}
}

// A callback that ends failed is a WARN record naming its attempts and
// the last answer: the registry never learns the result, the operator does.
func TestEngineLogsAFinalFailureAtWarn(t *testing.T) {
	srv := newCallbackServer(t, 404)
	et := newEngineTest(t, srv, time.Minute)
	res, err := et.Callback(context.Background(), et.id, nil)
	if err != nil || res.Outcome != OutcomeFailed {
		t.Fatalf("result %+v, %v", res, err)
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(et.log.String()), "\n") {
		var r struct {
			Level, Msg string
			Attempts   int
			Status     int
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if r.Msg == "callback failed" {
			found = r.Level == "WARN" && r.Attempts == 1 && r.Status == 404
		}
	}
	if !found {
		t.Errorf("no WARN \"callback failed\" with attempts 1, status 404:\n%s", et.log)
	}
}
