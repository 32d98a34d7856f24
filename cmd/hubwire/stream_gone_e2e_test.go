package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// readyz is GET /readyz: its status code and body.
func readyz(t *testing.T, base string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// TestStreamDeletedWhileRunning: a client deletes the events stream, the
// acks stream and the records bucket while hubwire runs. The next
// delivery is stored (the stream made again with hubwire's settings, and
// a warning naming it), acks are taken again, and /readyz says what is
// missing while it cannot be made again.
func TestStreamDeletedWhileRunning(t *testing.T) {
	logs := &syncBuffer{}
	cfg, err := parseServe([]string{"--http-addr", "127.0.0.1:0", "--nats-addr", "127.0.0.1:0", "--data-dir", t.TempDir(),
		"--max-age", "48h", "--callback-allow-host", "callbacks.invalid"}, io.Discard, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := start(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inst.Shutdown(context.Background()) })

	var hub fixture
	for _, f := range fixtures(t) {
		if f.source == "dockerhub" && strings.Contains(string(f.body), "callback_url") {
			hub = f
			break
		}
	}
	n := 0
	deliver := func(what string) map[string]any {
		t.Helper()
		n++
		a := hub.deliver(t, inst, freshen(hub.body, hub.source, time.Date(2026, 1, 1, 0, 0, n, 0, time.UTC)))
		if a.status != http.StatusAccepted {
			t.Fatalf("%s: %d %v", what, a.status, a.body)
		}
		return a.body
	}
	deliver("before")

	nc, err := natsgo.Connect(natsURLOf(inst))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()

	// The events stream: the next delivery makes it again and is stored.
	if err := js.DeleteStream(ctx, "HUBWIRE_EVENTS"); err != nil {
		t.Fatal(err)
	}
	got := deliver("after the events stream was deleted")
	if got["stream"] != "HUBWIRE_EVENTS" || got["seq"] != float64(1) {
		t.Errorf("stored as %v; want seq 1 of a new HUBWIRE_EVENTS", got)
	}
	s, err := js.Stream(ctx, "HUBWIRE_EVENTS")
	if err != nil {
		t.Fatal(err)
	}
	if c := s.CachedInfo().Config; c.MaxAge != 48*time.Hour || c.Subjects[0] != "hubwire.events.>" {
		t.Errorf("made again with max age %v, subjects %v; want hubwire's settings", c.MaxAge, c.Subjects)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "stream=HUBWIRE_EVENTS") {
		t.Errorf("no warning names the stream:\n%s", logs.String())
	}

	// Deleted again with no delivery to come: the readiness probe makes it.
	js.DeleteStream(ctx, "HUBWIRE_EVENTS")
	if code, body := readyz(t, inst.PublicURL()); code != 200 {
		t.Errorf("readyz after a deletion: %d %v", code, body)
	}
	if _, err := js.Stream(ctx, "HUBWIRE_EVENTS"); err != nil {
		t.Errorf("readyz did not make the stream again: %v", err)
	}

	// The acks stream and the records bucket.
	for _, name := range []string{"HUBWIRE_ACKS", "KV_HUBWIRE_DELIVERIES"} {
		if err := js.DeleteStream(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	id := deliver("after the acks stream and the bucket were deleted")["id"].(string)
	if _, err := getRecord(inst, id); err != nil {
		t.Errorf("no delivery record: %v", err)
	}
	waitFor(t, "the acks stream", func() bool { _, err := js.Stream(ctx, "HUBWIRE_ACKS"); return err == nil })
	if code, out := ackCLI(t, natsURLOf(inst), id, "--state", "success", "--consumer", "ci"); code != 0 {
		t.Fatalf("ack: %s", out)
	}
	waitFor(t, "the ack in the record", func() bool {
		rec, err := getRecord(inst, id)
		return err == nil && len(rec.Acks) == 1
	})
	if !strings.Contains(logs.String(), "HUBWIRE_ACKS") || !strings.Contains(logs.String(), "KV_HUBWIRE_DELIVERIES") {
		t.Errorf("no warning names the acks stream and the bucket:\n%s", logs.String())
	}

	// A stream that cannot be made again (another took its subjects):
	// /readyz names it and why.
	js.DeleteStream(ctx, "HUBWIRE_EVENTS")
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "SQUATTER", Subjects: []string{"hubwire.events.>"}}); err != nil {
		t.Fatal(err)
	}
	code, body := readyz(t, inst.PublicURL())
	if msg, _ := body["error"].(string); code != 503 || body["status"] != "unavailable" || !strings.Contains(msg, "HUBWIRE_EVENTS is missing") {
		t.Errorf("readyz with the stream missing: %d %v", code, body)
	}
	js.DeleteStream(ctx, "SQUATTER")
	if code, body := readyz(t, inst.PublicURL()); code != 200 {
		t.Errorf("readyz once it could be made again: %d %v", code, body)
	}
}
