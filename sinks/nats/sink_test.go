package nats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	cejs "github.com/cloudevents/sdk-go/protocol/nats_jetstream/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hubwire/hubwire/sinks"
	"github.com/hubwire/hubwire/sinks/nats/natstest"
)

func startServer(t *testing.T) *server.Server {
	t.Helper()
	srv, err := StartServer(ServerConfig{Addr: "127.0.0.1:0", DataDir: t.TempDir(), MaxPayload: 8 << 20, AllowAnonymous: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	return srv
}

var testStream = StreamConfig{Name: "TEST_EVENTS", SubjectPrefix: "hubwire.events", MaxAge: time.Hour, Duplicates: 2 * time.Minute}

func newSink(t *testing.T, srv *server.Server, mode sinks.Mode) *Sink {
	t.Helper()
	nc, err := ConnectInProcess(srv, "", "")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(context.Background(), nc, Config{Stream: testStream, Mode: mode})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testEvent(id, subject string) *event.Event {
	e := event.New()
	e.SetID(id)
	e.SetSource("urn:hubwire:dtr:foo/bar")
	e.SetType("com.docker.dtr.tag.push")
	e.SetSubject(subject)
	e.SetTime(time.Date(2019, 5, 15, 19, 39, 40, 607337713, time.UTC))
	e.SetDataSchema("http://127.0.0.1:8080/schemas/dtr.tag.push.json")
	e.SetExtension("partitionkey", "foo/bar")
	e.SetExtension("tag", "latest")
	e.SetData(event.ApplicationJSON, json.RawMessage(`{"registry":"dtr","note":"a \"quoted\" 100% value"}`))
	return &e
}

func TestPublishBinaryDecodesWithTheSDK(t *testing.T) {
	srv := startServer(t)
	s := newSink(t, srv, sinks.Binary)
	sent := testEvent("id-1", "foo/bar:latest")
	r, err := s.Publish(context.Background(), sinks.Address{Source: "dtr", Kind: "tag_push", Namespace: "foo", Name: "bar"}, sent)
	if err != nil {
		t.Fatal(err)
	}
	if r != (sinks.Receipt{Broker: "nats", Stream: testStream.Name, Seq: 1}) {
		t.Errorf("receipt %+v", r)
	}
	msg := natstest.ReadStream(t, srv.ClientURL(), testStream.Name, 1)[0]
	if msg.Subject != "hubwire.events.dtr.tag_push.foo.bar" {
		t.Errorf("subject %q", msg.Subject)
	}
	if msg.Header.Get("Nats-Msg-Id") != "id-1" || msg.Header.Get("ce-type") != "com.docker.dtr.tag.push" || msg.Header.Get("ce-partitionkey") != "foo/bar" {
		t.Errorf("headers %v", msg.Header)
	}
	// The stock SDK binding, with nothing of ours in between.
	got, err := binding.ToEvent(context.Background(), cejs.NewMessage(msg))
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, sent, got)
}

// Publish reuses its messages: an event must carry only its own
// attributes, never one left from the event before, also when many are
// published at once.
func TestPublishedHeadersAreEachEventsOwn(t *testing.T) {
	srv := startServer(t)
	s := newSink(t, srv, sinks.Binary)
	const n = 200
	sent := make([]*event.Event, n)
	errs := make(chan error, n)
	for i := range n {
		e := testEvent(fmt.Sprintf("id-%03d", i), fmt.Sprintf("foo/bar:v%d", i))
		if i%2 == 1 { // every other one without a subject or a tag
			e.SetSubject("")
			e.SetExtension("tag", nil)
		}
		sent[i] = e
		go func() {
			_, err := s.Publish(context.Background(), sinks.Address{Source: "dtr", Kind: "tag_push", Namespace: "foo", Name: "bar"}, e)
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	byID := map[string]*event.Event{}
	for _, e := range sent {
		byID[e.ID()] = e
	}
	for _, msg := range natstest.ReadStream(t, srv.ClientURL(), testStream.Name, n) {
		want := byID[msg.Header.Get("Nats-Msg-Id")]
		if want == nil {
			t.Fatalf("message with id %q", msg.Header.Get("Nats-Msg-Id"))
		}
		got, err := binding.ToEvent(context.Background(), cejs.NewMessage(msg))
		if err != nil {
			t.Fatal(err)
		}
		if got.ID() != want.ID() || got.Subject() != want.Subject() || fmt.Sprint(got.Extensions()["tag"]) != fmt.Sprint(want.Extensions()["tag"]) {
			t.Errorf("event %s came as id %s, subject %q, tag %v; sent subject %q, tag %v",
				want.ID(), got.ID(), got.Subject(), got.Extensions()["tag"], want.Subject(), want.Extensions()["tag"])
		}
		if len(msg.Header) != len(want.Extensions())+9-boolCount(want.Subject() == "") {
			t.Errorf("event %s: %d headers: %v", want.ID(), len(msg.Header), msg.Header)
		}
	}
}

func boolCount(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestPublishStructured(t *testing.T) {
	srv := startServer(t)
	s := newSink(t, srv, sinks.Structured)
	sent := testEvent("id-2", "foo/bar:latest")
	if _, err := s.Publish(context.Background(), sinks.Address{Source: "dtr", Kind: "tag_push", Namespace: "foo", Name: "bar"}, sent); err != nil {
		t.Fatal(err)
	}
	msg := natstest.ReadStream(t, srv.ClientURL(), testStream.Name, 1)[0]
	if ct := msg.Header.Get("Content-Type"); ct != sinks.StructuredContentType {
		t.Errorf("Content-Type %q", ct)
	}
	if msg.Header.Get("ce-id") != "" {
		t.Error("structured message carries binary headers")
	}
	if !strings.Contains(string(msg.Data), `"data":{"registry":"dtr"`) {
		t.Errorf("JSON data not written as JSON: %s", msg.Data)
	}
	got, err := binding.ToEvent(context.Background(), cejs.NewMessage(msg))
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, sent, got)
}

func TestPercentEncodedHeadersRoundTrip(t *testing.T) {
	srv := startServer(t)
	s := newSink(t, srv, sinks.Binary)
	sent := testEvent("id-3", `odd repo/with space:"tag"%é`)
	if _, err := s.Publish(context.Background(), sinks.Address{Source: "dtr", Kind: "tag_push", Namespace: "odd repo", Name: "with.dot"}, sent); err != nil {
		t.Fatal(err)
	}
	msg := natstest.ReadStream(t, srv.ClientURL(), testStream.Name, 1)[0]
	if h := msg.Header.Get("ce-subject"); h != `odd%20repo/with%20space:%22tag%22%25%C3%A9` {
		t.Errorf("ce-subject header %q", h)
	}
	if msg.Subject != "hubwire.events.dtr.tag_push.odd%20repo.with%2Edot" {
		t.Errorf("subject %q", msg.Subject)
	}
	got, err := ToEvent(context.Background(), msg)
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, sent, got)
}

func assertSame(t *testing.T, sent *event.Event, got *event.Event) {
	t.Helper()
	a, _ := json.Marshal(sent)
	b, _ := json.Marshal(got)
	if string(a) != string(b) {
		t.Errorf("decoded event differs:\n sent %s\n  got %s", a, b)
	}
}

func TestDuplicateIDStoredOnce(t *testing.T) {
	srv := startServer(t)
	s := newSink(t, srv, sinks.Binary)
	addr := sinks.Address{Source: "dtr", Kind: "tag_push", Namespace: "foo", Name: "bar"}
	first, err := s.Publish(context.Background(), addr, testEvent("same", "foo/bar:1"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Publish(context.Background(), addr, testEvent("same", "foo/bar:1"))
	if err != nil {
		t.Fatal(err)
	}
	if first.Duplicate || !second.Duplicate || second.Seq != first.Seq {
		t.Errorf("first %+v second %+v", first, second)
	}
	natstest.ReadStream(t, srv.ClientURL(), testStream.Name, 1)
}

func TestPublishFailsWhenServerIsGone(t *testing.T) {
	srv := startServer(t)
	s := newSink(t, srv, sinks.Binary)
	if err := s.Ready(context.Background()); err != nil {
		t.Fatalf("not ready: %v", err)
	}
	srv.Shutdown()
	srv.WaitForShutdown()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := s.Publish(ctx, sinks.Address{Source: "dtr", Kind: "x"}, testEvent("gone", "x")); err == nil {
		t.Error("publish to a stopped server succeeded")
	}
	if err := s.Ready(ctx); err == nil {
		t.Error("ready with the server stopped")
	}
}

func TestEventLargerThanMaxPayload(t *testing.T) {
	srv, err := StartServer(ServerConfig{Addr: "127.0.0.1:0", DataDir: t.TempDir(), MaxPayload: 4096, AllowAnonymous: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	s := newSink(t, srv, sinks.Binary)
	e := testEvent("big", "x")
	e.SetData(event.ApplicationJSON, json.RawMessage(`{"pad":"`+strings.Repeat("x", 5000)+`"}`))
	_, err = s.Publish(context.Background(), sinks.Address{Source: "dtr", Kind: "x"}, e)
	if !errors.Is(err, sinks.ErrTooLarge) {
		t.Errorf("want ErrTooLarge, got %v", err)
	}
}

func TestStreamConfigErrors(t *testing.T) {
	srv := startServer(t)
	nc, err := ConnectInProcess(srv, "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	bad := testStream
	bad.Duplicates = 2 * time.Hour
	_, err = New(context.Background(), nc, Config{Stream: bad})
	if err == nil || !strings.Contains(err.Error(), "longer than max age") {
		t.Errorf("got %v", err)
	}
}

func TestStreamSettingsUpdatedOnRestart(t *testing.T) {
	srv := startServer(t)
	newSink(t, srv, sinks.Binary)
	nc, _ := ConnectInProcess(srv, "", "")
	changed := testStream
	changed.MaxAge = 48 * time.Hour
	s, err := New(context.Background(), nc, Config{Stream: changed})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	info, err := s.js.Stream(context.Background(), testStream.Name)
	if err != nil {
		t.Fatal(err)
	}
	if info.CachedInfo().Config.MaxAge != 48*time.Hour {
		t.Errorf("max age %v", info.CachedInfo().Config.MaxAge)
	}
}

func TestPortInUse(t *testing.T) {
	srv := startServer(t)
	addr := strings.TrimPrefix(srv.ClientURL(), "nats://")
	_, err := StartServer(ServerConfig{Addr: addr, DataDir: t.TempDir(), AllowAnonymous: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil || !strings.Contains(err.Error(), "--nats-addr") {
		t.Errorf("got %v", err)
	}
}

func TestStreamWithOtherSubjectsIsAnError(t *testing.T) {
	srv := startServer(t)
	nc, err := ConnectInProcess(srv, "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	if _, err := js.CreateStream(context.Background(), jetstream.StreamConfig{Name: testStream.Name, Subjects: []string{"orders.>"}}); err != nil {
		t.Fatal(err)
	}
	_, err = New(context.Background(), nc, Config{Stream: testStream})
	if err == nil || !strings.Contains(err.Error(), "exists with subjects [orders.>]") || !strings.Contains(err.Error(), "choose another --stream") {
		t.Errorf("got %v", err)
	}
	// Untouched: still the other stream's subjects, nothing recreated.
	s, err := js.Stream(context.Background(), testStream.Name)
	if err != nil || s.CachedInfo().Config.Subjects[0] != "orders.>" {
		t.Errorf("existing stream changed: %v", err)
	}
}

func TestUpdateKeepsOperatorSettings(t *testing.T) {
	srv := startServer(t)
	newSink(t, srv, sinks.Binary)
	nc, _ := ConnectInProcess(srv, "", "")
	defer nc.Close()
	js, _ := jetstream.New(nc)
	s, _ := js.Stream(context.Background(), testStream.Name)
	cfg := s.CachedInfo().Config
	cfg.MaxMsgs = 12345
	if _, err := js.UpdateStream(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	changed := testStream
	changed.Duplicates = 5 * time.Minute
	sink, err := New(context.Background(), nc, Config{Stream: changed})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	s, _ = js.Stream(context.Background(), testStream.Name)
	if got := s.CachedInfo().Config; got.MaxMsgs != 12345 || got.Duplicates != 5*time.Minute {
		t.Errorf("after update: max msgs %d, duplicates %v", got.MaxMsgs, got.Duplicates)
	}
}

// --sync always reaches the file store: JetStream then fsyncs each write
// before the PubAck, instead of every two minutes.
func TestSyncAlways(t *testing.T) {
	for _, always := range []bool{true, false} {
		srv, err := StartServer(ServerConfig{Addr: "127.0.0.1:0", DataDir: t.TempDir(), SyncAlways: always, AllowAnonymous: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if got := srv.JetStreamConfig().SyncAlways; got != always {
			t.Errorf("SyncAlways %v: the server's JetStream has sync_always %v", always, got)
		}
		srv.Shutdown()
		srv.WaitForShutdown()
	}
}
