package replay

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/sinks"
	natssink "github.com/hubwire/hubwire/sinks/nats"
)

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// startStream runs a NATS server with the events stream, holding n events
// of acme/api and then a message that is not a CloudEvent.
func startStream(t testing.TB, n int) (*server.Server, []string) {
	t.Helper()
	srv, err := natssink.StartServer(natssink.ServerConfig{Addr: "127.0.0.1:0", DataDir: t.TempDir(), MaxPayload: 1 << 20, AllowAnonymous: true, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	nc, err := natssink.ConnectInProcess(srv, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sink, err := natssink.New(ctx, nc, natssink.Config{Stream: natssink.StreamConfig{Name: "HUBWIRE_EVENTS", Duplicates: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	var ids []string
	for i := range n {
		e := event.New()
		e.SetID(fmt.Sprintf("ev-%d", i))
		e.SetSource("urn:test")
		e.SetType("com.example.image.pushed")
		e.SetSubject("acme/api:latest")
		e.SetExtension(adapter.ExtRepository, "acme/api")
		if err := e.SetData(event.ApplicationJSON, map[string]int{"n": i}); err != nil {
			t.Fatal(err)
		}
		if _, err := sink.Publish(ctx, sinks.Address{Source: "example", Kind: "push", Namespace: "acme", Name: "api"}, &e); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID())
	}
	js, _ := jetstream.New(nc)
	if _, err := js.Publish(ctx, "hubwire.events.example.push.acme.api", []byte("not an event")); err != nil {
		t.Fatal(err)
	}
	return srv, ids
}

func lineIDs(t *testing.T, out string) []string {
	t.Helper()
	var ids []string
	lines := bufio.NewScanner(strings.NewReader(out))
	for lines.Scan() {
		var e event.Event
		if err := json.Unmarshal(lines.Bytes(), &e); err != nil {
			t.Fatalf("%v: %s", err, lines.Bytes())
		}
		ids = append(ids, e.ID())
	}
	return ids
}

func TestRunSkipsWhatIsNotAnEvent(t *testing.T) {
	srv, ids := startStream(t, 3)
	var out, log bytes.Buffer
	sum, err := Run(context.Background(), Options{Broker: Broker{NATS: &NATS{URL: srv.ClientURL(), Stream: "HUBWIRE_EVENTS"}}, Out: &out, Log: &log})
	if err != nil || sum.Written != 3 || sum.Undecodable != 1 || strings.Join(lineIDs(t, out.String()), ",") != strings.Join(ids, ",") {
		t.Fatalf("%+v %v\n%s%s", sum, err, out.String(), log.String())
	}
	for _, want := range []string{"hubwire: skipped the message at stream sequence 4: not a CloudEvent", "hubwire: replayed 3 events in ", "; skipped 1 message that were not CloudEvents\n"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
}

// TestRunSaysWhereToResume interrupts a replay to an HTTP receiver after
// it took three events: the error names the sequence after the last, and
// a Run from there writes the rest.
func TestRunSaysWhereToResume(t *testing.T) {
	srv, ids := startStream(t, 8)
	broker := Broker{NATS: &NATS{URL: srv.ClientURL(), Stream: "HUBWIRE_EVENTS"}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var got []string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if len(got) == 3 {
			// Interrupted while the fourth is on its way: it is not
			// written, and the replay resumes with it.
			cancel()
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		got = append(got, r.Header.Get("ce-id"))
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()
	sum, err := Run(ctx, Options{Broker: broker, To: Destination{Kind: ToHTTP, Target: rcv.URL + "/token"}, Log: io.Discard})
	if sum.Written != 3 || err == nil || err.Error() != "replay interrupted; to go on from there, run it again with --from-seq 4" {
		t.Fatalf("%+v: %v", sum, err)
	}
	mu.Lock()
	defer mu.Unlock()
	var out bytes.Buffer
	if _, err := Run(context.Background(), Options{Broker: broker, Selection: Selection{FromSeq: 4}, Out: &out, Log: io.Discard}); err != nil {
		t.Fatal(err)
	}
	if all := append(got, lineIDs(t, out.String())...); strings.Join(all, ",") != strings.Join(ids, ",") {
		t.Errorf("replayed %v, then resumed", all)
	}
}

// TestRunWritesASetOnce replays an explicit set of ids: only those are
// written, each once, Written hears of each, and the read ends with the
// set.
func TestRunWritesASetOnce(t *testing.T) {
	srv, _ := startStream(t, 8)
	var out bytes.Buffer
	var heard []string
	sum, err := Run(context.Background(), Options{Broker: Broker{NATS: &NATS{URL: srv.ClientURL(), Stream: "HUBWIRE_EVENTS"}},
		IDs: map[string]bool{"ev-5": true, "ev-2": true}, Written: func(id string) { heard = append(heard, id) }, Out: &out, Log: io.Discard})
	if err != nil || sum.Written != 2 || sum.Stopped {
		t.Fatalf("%+v %v", sum, err)
	}
	if got := strings.Join(lineIDs(t, out.String()), ","); got != "ev-2,ev-5" {
		t.Errorf("wrote %s", got)
	}
	if got := strings.Join(heard, ","); got != "ev-2,ev-5" {
		t.Errorf("Written heard %s", got)
	}
	// The read ended with the set: the message after ev-7 that is not a
	// CloudEvent was never read, so never skipped.
	if sum.Undecodable != 0 {
		t.Errorf("read past the set: %+v", sum)
	}
}

// TestStopLetsTheEventInFlightFinish stops a replay to an HTTP receiver
// while it takes the third event: the third is answered and counted (not
// half-written), no fourth is sent; stopped while a retry waits, the
// event is not counted.
func TestStopLetsTheEventInFlightFinish(t *testing.T) {
	srv, _ := startStream(t, 8)
	broker := Broker{NATS: &NATS{URL: srv.ClientURL(), Stream: "HUBWIRE_EVENTS"}}
	for _, tc := range []struct {
		third   int
		written int64
	}{{http.StatusNoContent, 3}, {http.StatusServiceUnavailable, 2}} {
		stop := make(chan struct{})
		var mu sync.Mutex
		var got []string
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, r.Header.Get("ce-id"))
			if len(got) == 3 {
				close(stop)
				time.Sleep(50 * time.Millisecond) // the stop lands while the POST is in flight
				w.WriteHeader(tc.third)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		var heard int
		sum, err := Run(context.Background(), Options{Broker: broker, To: Destination{Kind: ToHTTP, Target: rcv.URL + "/x"}, Stop: stop,
			Written: func(string) { heard++ }, Log: io.Discard})
		rcv.Close()
		mu.Lock()
		if err != nil || !sum.Stopped || sum.Written != tc.written || heard != int(tc.written) || len(got) != 3 {
			t.Errorf("third answered %d: %+v %v; receiver got %v, Written heard %d", tc.third, sum, err, got, heard)
		}
		mu.Unlock()
	}
}

// TestProtectedIsRefusedEvenWithForce refuses a destination stream of
// hubwire's own, whatever Force says.
func TestProtectedIsRefusedEvenWithForce(t *testing.T) {
	srv, _ := startStream(t, 1)
	_, err := Run(context.Background(), Options{Broker: Broker{NATS: &NATS{URL: srv.ClientURL(), Stream: "HUBWIRE_EVENTS"}},
		To: Destination{Kind: ToNATS, Target: "hubwire.events.x.y.acme.api"}, Force: true, Protected: []string{"HUBWIRE_EVENTS"}, Log: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "stream HUBWIRE_EVENTS, which is hubwire's own") {
		t.Fatalf("%v", err)
	}
}
