package nats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hubwire/hubwire/sinks"
)

// The PubAcks nats-server writes are read by hand, each as encoding/json
// reads it; any other answer goes to encoding/json, as in jetstream's
// PublishMsg.
func TestPubAcks(t *testing.T) {
	for _, c := range []struct {
		in      string
		want    jetstream.PubAck
		byHand  bool
		wantErr string
	}{
		{in: `{"stream":"TEST_EVENTS","seq":1}`, want: jetstream.PubAck{Stream: "TEST_EVENTS", Sequence: 1}, byHand: true},
		{in: `{"stream":"OTHER","seq":18446744073709551615}`, want: jetstream.PubAck{Stream: "OTHER", Sequence: 1<<64 - 1}, byHand: true},
		{in: `{"stream":"TEST_EVENTS","seq":42,"duplicate": true}`, want: jetstream.PubAck{Stream: "TEST_EVENTS", Sequence: 42, Duplicate: true}, byHand: true},
		{in: `{"stream":"TEST_EVENTS","domain":"hub","seq":7}`, want: jetstream.PubAck{Stream: "TEST_EVENTS", Domain: "hub", Sequence: 7}, byHand: true},
		// Read by encoding/json: another order, spaces, escapes, a
		// number out of range, fields of later versions.
		{in: `{"seq":3,"stream":"TEST_EVENTS"}`, want: jetstream.PubAck{Stream: "TEST_EVENTS", Sequence: 3}},
		{in: ` {"stream":"TEST_EVENTS","seq":3}`, want: jetstream.PubAck{Stream: "TEST_EVENTS", Sequence: 3}},
		{in: `{"stream":"A\u0042","seq":3}`, want: jetstream.PubAck{Stream: "AB", Sequence: 3}},
		{in: `{"stream":"TEST_EVENTS","seq":2,"duplicate": true,"batch":"b","count":2}`, want: jetstream.PubAck{Stream: "TEST_EVENTS", Sequence: 2, Duplicate: true}},
		{in: `{"stream":"TEST_EVENTS","seq":18446744073709551616}`, wantErr: jetstream.ErrInvalidJSAck.Error()},
		{in: `{"stream":"TEST_EVENTS","seq":01}`, wantErr: jetstream.ErrInvalidJSAck.Error()},
		{in: `{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"},"stream":"TEST_EVENTS","seq":0}`, wantErr: "nats: nats: API error: code=503 err_code=10077 description=maximum messages exceeded"},
		{in: `{"stream":"","seq":1}`, wantErr: jetstream.ErrInvalidJSAck.Error()},
		{in: `{}`, wantErr: jetstream.ErrInvalidJSAck.Error()},
		{in: `not json`, wantErr: jetstream.ErrInvalidJSAck.Error()},
	} {
		_, byHand := readPubAck([]byte(c.in), "TEST_EVENTS")
		if byHand != c.byHand {
			t.Errorf("%s: read by hand %t, want %t", c.in, byHand, c.byHand)
		}
		got, err := parsePubAck([]byte(c.in), "TEST_EVENTS")
		if c.wantErr != "" {
			if err == nil || err.Error() != c.wantErr {
				t.Errorf("%s: %+v, %v; want the error %q", c.in, got, err, c.wantErr)
			}
			continue
		}
		if err != nil || *got != c.want {
			t.Errorf("%s: %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

// FuzzPubAck: a PubAck read by hand is read as encoding/json reads it.
func FuzzPubAck(f *testing.F) {
	for _, s := range []string{`{"stream":"TEST_EVENTS","seq":1}`, `{"stream":"TEST_EVENTS","seq":42,"duplicate": true}`,
		`{"stream":"S","domain":"d","seq":0,"duplicate":true}`, `{"stream":"TEST_EVENTS","seq":99999999999999999999}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, stream := range []string{"TEST_EVENTS", ""} {
			got, ok := readPubAck(data, stream)
			if !ok {
				continue
			}
			var want struct {
				Error *jetstream.APIError `json:"error"`
				*jetstream.PubAck
			}
			if err := json.Unmarshal(data, &want); err != nil || want.Error != nil || want.PubAck == nil {
				t.Fatalf("%q read by hand as %+v; encoding/json: %v, %+v", data, got, err, want)
			}
			if *got != *want.PubAck {
				t.Fatalf("%q read by hand as %+v; encoding/json: %+v", data, got, want.PubAck)
			}
		}
	})
}

// Many publishes at once each get their own PubAck, duplicates included.
func TestConcurrentPublishesGetTheirOwnPubAcks(t *testing.T) {
	srv := startServer(t)
	s := newSink(t, srv, sinks.Binary)
	const workers, each = 32, 40
	got := map[string][]sinks.Receipt{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				// Every event twice, the second copy from the next
				// worker, often at the same time.
				n := (w*each + i) / 2
				id := fmt.Sprintf("ev-%d", n)
				r, err := s.Publish(context.Background(), sinks.Address{Source: "dtr", Kind: "tag_push", Namespace: "acme", Name: fmt.Sprint(n % 7)}, testEvent(id, "s"))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				got[id] = append(got[id], r)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	seqs := map[uint64]string{}
	for id, rs := range got {
		if len(rs) != 2 || rs[0].Seq != rs[1].Seq || rs[0].Duplicate == rs[1].Duplicate {
			t.Errorf("%s: %+v, want one stored and one duplicate of the same seq", id, rs)
			continue
		}
		if other, ok := seqs[rs[0].Seq]; ok {
			t.Errorf("%s and %s both got seq %d", id, other, rs[0].Seq)
		}
		seqs[rs[0].Seq] = id
	}
	for seq := uint64(1); seq <= workers*each/2; seq++ {
		if _, ok := seqs[seq]; !ok {
			t.Errorf("no event got seq %d", seq)
		}
	}
}

// A PubAck that comes after its publish gave up reaches no later publish;
// a publish without a PubAck ends at its deadline, or when the sink closes.
func TestPublishWithoutItsPubAck(t *testing.T) {
	srv := startServer(t)
	nc, err := ConnectInProcess(srv, "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	// A stand-in for JetStream on "fake.>": it answers "late" after the
	// publish gave up, "silent" never, any other at once.
	late := make(chan string, 1)
	sub, err := nc.Subscribe("fake.>", func(m *natsgo.Msg) {
		switch m.Subject {
		case "fake.late":
			late <- m.Reply
		case "fake.silent":
		default:
			m.Respond([]byte(`{"stream":"FAKE","seq":2}`))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	a, err := newAcks(nc, "FAKE")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if ack, err := a.publish(ctx, &natsgo.Msg{Subject: "fake.late"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("publish without a PubAck: %+v, %v; want its deadline exceeded", ack, err)
	}
	nc.Publish(<-late, []byte(`{"stream":"FAKE","seq":1}`))
	nc.Flush()
	for range 20 {
		ack, err := a.publish(context.Background(), &natsgo.Msg{Subject: "fake.now"})
		if err != nil || ack.Sequence != 2 {
			t.Fatalf("publish after a late PubAck: %+v, %v; want its own, seq 2", ack, err)
		}
	}
	a.mu.Lock()
	if n := len(a.waiting); n != 0 {
		t.Errorf("%d publishes still waiting", n)
	}
	a.mu.Unlock()

	done := make(chan error, 1)
	go func() {
		_, err := a.publish(context.Background(), &natsgo.Msg{Subject: "fake.silent"})
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	a.close()
	select {
	case err := <-done:
		if !errors.Is(err, natsgo.ErrConnectionClosed) {
			t.Errorf("publish waiting when the sink closed: %v, want %v", err, natsgo.ErrConnectionClosed)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("publish still waiting after the sink closed")
	}
}
