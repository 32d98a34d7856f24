package spool_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/hubwire/hubwire/sinks"
	natssink "github.com/hubwire/hubwire/sinks/nats"
	"github.com/hubwire/hubwire/sinks/nats/natstest"
	"github.com/hubwire/hubwire/sinks/spool"
)

// primary is a real JetStream sink on a broker the test can stop.
func primary(t testing.TB, b *natstest.Broker) sinks.Sink {
	t.Helper()
	nc, err := natssink.Connect(b.URL())
	if err != nil {
		t.Fatal(err)
	}
	s, err := natssink.New(context.Background(), nc, natssink.Config{Stream: natssink.StreamConfig{
		Name: "EVENTS", MaxAge: time.Hour, Duplicates: time.Minute,
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func entry(i int) sinks.Entry {
	e := event.New()
	e.SetID(fmt.Sprintf("ev-%03d", i))
	e.SetSource("urn:test")
	e.SetType("com.example.test")
	e.SetSubject("acme/app:1")
	_ = e.SetData("application/json", map[string]int{"n": i})
	return sinks.Entry{
		Source:      "dtr",
		Address:     sinks.Address{Source: "dtr", Kind: "tag_push", Namespace: "acme", Name: "app"},
		CallbackURL: "https://registry.example/cb",
		Event:       &e,
	}
}

// forwardedLog records what the spool handed on, in order.
type forwardedLog struct {
	mu  sync.Mutex
	ids []string
	cbs []string
}

func (f *forwardedLog) hook(_ context.Context, e sinks.Entry, r sinks.Receipt) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ids = append(f.ids, e.Event.ID())
	f.cbs = append(f.cbs, e.CallbackURL)
	return nil
}

func (f *forwardedLog) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.ids)
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSpoolForwardsInOrderWhenTheBrokerIsBack(t *testing.T) {
	b := natstest.StartBroker(t)
	p := primary(t, b)
	var fwd forwardedLog
	sp, err := spool.Open(context.Background(), spool.Config{
		Dir: t.TempDir(), MaxBytes: 1 << 20, Primary: p, Forwarded: fwd.hook, ForwardTimeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()

	b.Stop()
	ctx := context.Background()
	for i := range 50 {
		r, err := sp.Put(ctx, entry(i))
		if err != nil {
			t.Fatal(err)
		}
		if !r.Spooled || r.Broker != "nats" || r.Stream != "EVENTS" {
			t.Fatalf("receipt %+v: want spooled, bound for nats stream EVENTS", r)
		}
	}
	// A retried delivery is spooled once.
	if r, err := sp.Put(ctx, entry(7)); err != nil || !r.Duplicate {
		t.Fatalf("second put of ev-007: %+v, %v; want a duplicate", r, err)
	}
	st, err := sp.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 50 || !sp.Backlogged() {
		t.Fatalf("status %+v, backlogged %v: want 50 events waiting", st, sp.Backlogged())
	}
	if fwd.count() != 0 {
		t.Fatalf("%d forwarded while the broker was down", fwd.count())
	}

	b.Start()
	waitUntil(t, "the spool to drain", func() bool { return fwd.count() == 50 && !sp.Backlogged() })
	for i, id := range fwd.ids {
		if want := fmt.Sprintf("ev-%03d", i); id != want || fwd.cbs[i] != "https://registry.example/cb" {
			t.Fatalf("forwarded #%d: %s (callback %q); want %s in order with its callback", i, id, fwd.cbs[i], want)
		}
	}
	msgs := natstest.ReadStream(t, b.URL(), "EVENTS", 50)
	for i, m := range msgs {
		if got, want := m.Header.Get("ce-id"), fmt.Sprintf("ev-%03d", i); got != want {
			t.Fatalf("stream message %d is %s; want %s", i, got, want)
		}
	}
	if st, _ := sp.Status(ctx); st.Events != 0 || st.Forwarded != 50 || st.Spooled != 50 {
		t.Fatalf("status after draining: %+v", st)
	}
}

func TestSpoolKeepsWhatItHoldsAcrossRestarts(t *testing.T) {
	b := natstest.StartBroker(t)
	p := primary(t, b)
	dir := t.TempDir()
	open := func(hook func(context.Context, sinks.Entry, sinks.Receipt) error) *spool.Spool {
		sp, err := spool.Open(context.Background(), spool.Config{Dir: dir, MaxBytes: 1 << 20, Primary: p, Forwarded: hook, ForwardTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return sp
	}
	b.Stop()
	sp := open(nil)
	for i := range 10 {
		if _, err := sp.Put(context.Background(), entry(i)); err != nil {
			t.Fatal(err)
		}
	}
	sp.Close()
	sp.Close() // hubwire's stop may run twice (a signal, then a deferred stop)

	b.Start()
	var fwd forwardedLog
	sp = open(fwd.hook)
	defer sp.Close()
	waitUntil(t, "the reopened spool to drain", func() bool { return fwd.count() == 10 })
	natstest.ReadStream(t, b.URL(), "EVENTS", 10)
}

func TestSpoolFull(t *testing.T) {
	b := natstest.StartBroker(t)
	p := primary(t, b)
	b.Stop()
	sp, err := spool.Open(context.Background(), spool.Config{Dir: t.TempDir(), MaxBytes: 4 << 10, Primary: p})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	var full error
	stored := 0
	for i := range 100 {
		if _, err := sp.Put(context.Background(), entry(i)); err != nil {
			full = err
			break
		}
		stored++
	}
	if !errors.Is(full, spool.ErrFull) {
		t.Fatalf("after %d puts into 4 KiB: %v; want ErrFull", stored, full)
	}
	if stored == 0 {
		t.Fatal("nothing fit in 4 KiB")
	}
	st, err := sp.Status(context.Background())
	if err != nil || st.Events != uint64(stored) {
		t.Fatalf("status %+v, %v; want the %d events taken before it was full", st, err, stored)
	}
}

func TestForwardRetriesTheHook(t *testing.T) {
	b := natstest.StartBroker(t)
	p := primary(t, b)
	var mu sync.Mutex
	calls := 0
	// The delivery record's store fails twice; the entry stays until it
	// is written.
	hook := func(context.Context, sinks.Entry, sinks.Receipt) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls <= 2 {
			return errors.New("record store unavailable")
		}
		return nil
	}
	sp, err := spool.Open(context.Background(), spool.Config{Dir: t.TempDir(), MaxBytes: 1 << 20, Primary: p, Forwarded: hook})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if _, err := sp.Put(context.Background(), entry(1)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the entry to leave the spool", func() bool { return !sp.Backlogged() })
	mu.Lock()
	defer mu.Unlock()
	if calls != 3 {
		t.Fatalf("hook called %d times; want 3 (two failures, then success)", calls)
	}
	// Published three times, stored once: the id is the broker's dedup key.
	natstest.ReadStream(t, b.URL(), "EVENTS", 1)
}
