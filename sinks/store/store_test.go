package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	natsgo "github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hubwire/hubwire/sinks"
	natssink "github.com/hubwire/hubwire/sinks/nats"
	"github.com/hubwire/hubwire/sinks/nats/natstest"
	"github.com/hubwire/hubwire/sinks/store"
)

// sink is a real JetStream sink on a broker the test can stop.
func sink(t *testing.T, b *natstest.Broker) sinks.Sink {
	t.Helper()
	// While disconnected a publish fails at once, as hubwire serve's does.
	nc, err := natssink.Connect(b.URL(), natsgoNoBuffer()...)
	if err != nil {
		t.Fatal(err)
	}
	s, err := natssink.New(context.Background(), nc, natssink.Config{Stream: natssink.StreamConfig{Name: "EVENTS", MaxAge: time.Hour, Duplicates: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func entry(i int, callback string) sinks.Entry {
	e := event.New()
	e.SetID(fmt.Sprintf("ev-%03d", i))
	e.SetSource("urn:test")
	e.SetType("com.example.test")
	_ = e.SetData("application/json", map[string]int{"n": i})
	return sinks.Entry{Source: "dtr", Address: sinks.Address{Source: "dtr", Kind: "tag_push", Namespace: "acme", Name: "app"}, CallbackURL: callback, Event: &e}
}

// recorder keeps what it is told, or fails.
type recorder struct {
	mu   sync.Mutex
	ids  []string
	fail error
}

func (r *recorder) Received(_ context.Context, e sinks.Entry, _ sinks.Receipt) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.ids = append(r.ids, e.Event.ID())
	return nil
}

func (r *recorder) setFail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = err
}

func (r *recorder) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ids...)
}

// TestPutRecordsBesideThePublish: an event with a callback_url is stored
// and recorded; one without is stored only; a record that cannot be
// written is ErrNotRecorded, with the event stored all the same (a retry
// is then a duplicate).
func TestPutRecordsBesideThePublish(t *testing.T) {
	b := natstest.StartBroker(t)
	rec := &recorder{}
	st, err := store.New(context.Background(), store.Config{Sink: sink(t, b), Recorder: rec, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := st.Put(context.Background(), entry(1, "https://registry.example/cb")); err != nil || r.Seq != 1 || r.Spooled {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := st.Put(context.Background(), entry(2, "")); err != nil {
		t.Fatal(err)
	}
	if got := rec.seen(); len(got) != 1 || got[0] != "ev-001" {
		t.Errorf("recorded %v, want only ev-001", got)
	}
	rec.setFail(errors.New("bucket gone"))
	r, err := st.Put(context.Background(), entry(3, "https://registry.example/cb"))
	if !errors.Is(err, store.ErrNotRecorded) || r.Seq != 3 {
		t.Errorf("a record that failed: %+v %v", r, err)
	}
	if st.Spool() != nil {
		t.Error("a spool without SpoolMaxBytes")
	}
	if rd := st.Ready(context.Background(), 1<<20); rd.Status != "ready" || rd.Spool != nil {
		t.Errorf("ready: %+v", rd)
	}
}

// TestPutSpoolsWhileTheBrokerIsAway: with the broker stopped an event is
// spooled within the deadline (and /readyz still says ready); once the
// broker is back the spool forwards it and its record is written then,
// and only then is it counted as stored. The recorder fails meanwhile, as
// the records' bucket in the same broker does.
func TestPutSpoolsWhileTheBrokerIsAway(t *testing.T) {
	b := natstest.StartBroker(t)
	rec := &recorder{}
	reg := prometheus.NewRegistry()
	st, err := store.New(context.Background(), store.Config{Sink: sink(t, b), Recorder: rec, Timeout: 2 * time.Second,
		SpoolDir: t.TempDir(), SpoolMaxBytes: 1 << 20, Metrics: store.NewMetrics(reg)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b.Stop()
	rec.setFail(errors.New("the broker is away"))
	began := time.Now()
	r, err := st.Put(context.Background(), entry(1, "https://registry.example/cb"))
	if err != nil || !r.Spooled || time.Since(began) > 2*time.Second {
		t.Fatalf("broker away: %+v %v after %v", r, err, time.Since(began))
	}
	if rd := st.Ready(context.Background(), 1<<10); rd.Status != "ready" || rd.Spool == nil || rd.Spool.Events != 1 {
		t.Errorf("ready while spooling: %+v", rd)
	}
	if n := testutil.CollectAndCount(reg, "hubwire_events_published_total"); n != 0 {
		t.Errorf("a spooled event is counted as stored before the broker took it (%d series)", n)
	}
	b.Start()
	rec.setFail(nil)
	deadline := time.Now().Add(30 * time.Second)
	for len(rec.seen()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := rec.seen(); len(got) != 1 || got[0] != "ev-001" {
		t.Errorf("recorded on forward: %v", got)
	}
	natstest.ReadStream(t, b.URL(), "EVENTS", 1)
	// Counted once the record is written: a moment after the recorder saw it.
	for testutil.CollectAndCount(reg, "hubwire_events_published_total") == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	want := `
		# HELP hubwire_events_published_total Events stored by the broker, by CloudEvent type, broker and source (the registry).
		# TYPE hubwire_events_published_total counter
		hubwire_events_published_total{broker="nats",source="dtr",type="com.example.test"} 1
	`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "hubwire_events_published_total"); err != nil {
		t.Errorf("the forwarded event, counted as stored: %v", err)
	}
}

func natsgoNoBuffer() []natsgo.Option { return []natsgo.Option{natsgo.ReconnectBufSize(-1)} }

// TestContextDeadline: a delivery's context ends no later than the store's
// timeout after the delivery began (so that a sender waiting that long
// gets its 503 first), at most store.DeadlineStep sooner, and not before;
// deliveries begun close together share one context.
func TestContextDeadline(t *testing.T) {
	b := natstest.StartBroker(t)
	const timeout = 300 * time.Millisecond
	st, err := store.New(context.Background(), store.Config{Sink: sink(t, b), Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	var ctxs []context.Context
	for i := range 200 {
		// From before the first context was made to well past a step,
		// and back to the first time (a delivery whose clock read came
		// before another's that made the context).
		now := begin.Add(time.Duration(i%100) * store.DeadlineStep / 7)
		if i == 150 {
			now = begin
		}
		ctx := st.Context(now)
		deadline, ok := ctx.Deadline()
		if !ok {
			t.Fatalf("delivery at +%v: no deadline", now.Sub(begin))
		}
		if end := now.Add(timeout); deadline.After(end) || deadline.Before(end.Add(-store.DeadlineStep)) {
			t.Fatalf("delivery at +%v: deadline at +%v, want within %v before +%v", now.Sub(begin), deadline.Sub(begin), store.DeadlineStep, end.Sub(begin))
		}
		if ctx.Err() != nil {
			t.Fatalf("delivery at +%v: context already ended: %v", now.Sub(begin), ctx.Err())
		}
		ctxs = append(ctxs, ctx)
	}
	shared := map[context.Context]bool{}
	for _, c := range ctxs {
		shared[c] = true
	}
	if len(shared) > 40 {
		t.Errorf("%d contexts for 200 deliveries over %v: each step's deliveries should share one", len(shared), 100*store.DeadlineStep/7)
	}
	// It ends by itself, without a cancel, at its deadline.
	select {
	case <-ctxs[0].Done():
		if waited := time.Since(begin); waited < timeout-store.DeadlineStep {
			t.Errorf("ended after %v, before the timeout %v", waited, timeout)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the context did not end at its deadline")
	}
	if !errors.Is(ctxs[0].Err(), context.DeadlineExceeded) {
		t.Errorf("ended with %v, want context.DeadlineExceeded", ctxs[0].Err())
	}
}
