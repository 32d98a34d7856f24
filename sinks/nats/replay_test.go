package nats

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hubwire/hubwire/sinks"
)

func TestFilterSubjects(t *testing.T) {
	addr := func(source, kind, ns, name string) sinks.Address {
		return sinks.Address{Source: source, Kind: kind, Namespace: ns, Name: name}
	}
	for _, tc := range []struct {
		name     string
		patterns []sinks.Address
		want     []string
	}{
		{"nothing", nil, nil},
		{"all", []sinks.Address{addr(Any, Any, Any, Any)}, nil},
		{"one type", []sinks.Address{addr("dtr", "tag_push", Any, Any)}, []string{"hubwire.events.dtr.tag_push.*.*"}},
		{"escaped repository", []sinks.Address{addr(Any, Any, "my.org", "a/b")}, []string{"hubwire.events.*.*.my%2Eorg.a%2Fb"}},
		{"covered dropped", []sinks.Address{addr(Any, Any, "foo", "bar"), addr(Any, Any, "foo", Any), addr(Any, Any, "foo", "baz")}, []string{"hubwire.events.*.*.foo.*"}},
		{"disjoint kept", []sinks.Address{addr("dtr", "scan_completed", "foo", Any), addr("dtr", "scan_failed", "foo", Any)},
			[]string{"hubwire.events.dtr.scan_completed.foo.*", "hubwire.events.dtr.scan_failed.foo.*"}},
		// JetStream refuses overlapping filters: one that covers both.
		{"overlapping covered", []sinks.Address{addr("dtr", "tag_push", "foo", Any), addr("dtr", "tag_push", Any, "bar")}, []string{"hubwire.events.dtr.tag_push.*.*"}},
		{"overlapping is everything", []sinks.Address{addr(Any, Any, "foo", Any), addr(Any, Any, Any, "bar")}, nil},
	} {
		if got := FilterSubjects("hubwire.events", tc.patterns); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// publishAll publishes one event per repository and returns their
// sequences.
func publishAll(t *testing.T, s *Sink, group string, repos ...string) []uint64 {
	t.Helper()
	var seqs []uint64
	for _, repo := range repos {
		ns, name, _ := strings.Cut(repo, "/")
		e := testEvent(group+"-"+repo, repo+":latest")
		r, err := s.Publish(context.Background(), sinks.Address{Source: "dtr", Kind: "tag_push", Namespace: ns, Name: name}, e)
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, r.Seq)
	}
	return seqs
}

func read(t *testing.T, nc *natsgo.Conn, cfg ReplayConfig) ([]string, uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cfg.Stream = testStream.Name
	r, err := NewReader(ctx, nc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var ids []string
	if err := r.Read(ctx, func(s *Stored) error {
		e, err := s.Event(ctx)
		if err != nil {
			return err
		}
		ids = append(ids, e.ID())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return ids, r.Pending()
}

func TestReaderSelects(t *testing.T) {
	srv := startServer(t)
	s := newSink(t, srv, sinks.Binary)
	repos := []string{"foo/bar", "foo/baz", "acme/api"}
	a := publishAll(t, s, "a", repos...)
	time.Sleep(2 * time.Millisecond)
	t1 := time.Now()
	b := publishAll(t, s, "b", repos...)
	time.Sleep(2 * time.Millisecond)
	t2 := time.Now()
	publishAll(t, s, "c", repos...)
	nc := s.Conn()
	ids := func(groups string, repos ...string) []string {
		var out []string
		for _, g := range groups {
			for _, r := range repos {
				out = append(out, string(g)+"-"+r)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		cfg  ReplayConfig
		want []string
	}{
		{"all", ReplayConfig{}, ids("abc", repos...)},
		{"since", ReplayConfig{StartTime: t1}, ids("bc", repos...)},
		{"since until", ReplayConfig{StartTime: t1, Until: t2}, ids("b", repos...)},
		{"from seq", ReplayConfig{StartSeq: b[0]}, ids("bc", repos...)},
		{"subject", ReplayConfig{Subjects: FilterSubjects(DefaultSubjectPrefix, []sinks.Address{{Source: Any, Kind: Any, Namespace: "foo", Name: Any}})}, ids("abc", "foo/bar", "foo/baz")},
		{"subjects until", ReplayConfig{Until: t1, Subjects: []string{"hubwire.events.*.*.foo.bar", "hubwire.events.*.*.acme.*"}}, ids("a", "foo/bar", "acme/api")},
		{"small batches", ReplayConfig{Batch: 2}, ids("abc", repos...)},
		{"past the end", ReplayConfig{StartSeq: 100}, nil},
	} {
		got, _ := read(t, nc, tc.cfg)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: read %v, want %v", tc.name, got, tc.want)
		}
	}
	if _, pending := read(t, nc, ReplayConfig{StartSeq: a[1]}); pending != 8 {
		t.Errorf("pending from seq %d: %d, want 8", a[1], pending)
	}
	if _, err := NewReader(context.Background(), nc, ReplayConfig{Stream: "NOPE"}); err == nil || !strings.Contains(err.Error(), "stream NOPE does not exist") {
		t.Errorf("missing stream: %v", err)
	}
}

// TestReaderStopsAtTheEndAsItWas keeps publishing while a replay runs: the
// replay ends with what the stream held when it started.
func TestReaderStopsAtTheEndAsItWas(t *testing.T) {
	srv := startServer(t)
	s := newSink(t, srv, sinks.Binary)
	publishAll(t, s, "a", "foo/bar", "foo/baz")
	ctx := context.Background()
	r, err := NewReader(ctx, s.Conn(), ReplayConfig{Stream: testStream.Name})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	publishAll(t, s, "b", "foo/bar")
	var got []string
	if err := r.Read(ctx, func(st *Stored) error { got = append(got, st.Attribute("id")); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"a-foo/bar", "a-foo/baz"}) {
		t.Errorf("read %v", got)
	}
}

func TestReaderFollows(t *testing.T) {
	srv := startServer(t)
	s := newSink(t, srv, sinks.Binary)
	publishAll(t, s, "old", "foo/bar")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := NewReader(ctx, s.Conn(), ReplayConfig{Stream: testStream.Name, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := make(chan *Stored, 10)
	done := make(chan error, 1)
	go func() { done <- r.Read(ctx, func(st *Stored) error { got <- st; return nil }) }()
	js, _ := jetstream.New(s.Conn())
	if _, err := js.Publish(ctx, "hubwire.events.x.y.z.w", []byte("not an event")); err != nil {
		t.Fatal(err)
	}
	publishAll(t, s, "new", "foo/bar")
	var stored []*Stored
	for range 2 {
		select {
		case st := <-got:
			stored = append(stored, st)
		case <-time.After(10 * time.Second):
			t.Fatal("no message within 10s")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Read after cancel: %v", err)
	}
	// What is not an event is handed on, and fails to decode.
	if _, err := stored[0].Event(ctx); err == nil {
		t.Error("a message that is not a CloudEvent decoded")
	}
	if _, err := stored[0].AppendJSON(nil); err == nil || stored[0].Attribute("type") != "" {
		t.Errorf("a message that is not a CloudEvent: %v", err)
	}
	if e, err := stored[1].Event(ctx); err != nil || e.ID() != "new-foo/bar" {
		t.Errorf("followed %v, %v", e, err)
	}
}

// TestAppendJSONIsTheSDKs checks the JSON replay writes without the SDK
// against the SDK's own, for both content modes and awkward values.
func TestAppendJSONIsTheSDKs(t *testing.T) {
	for _, mode := range []sinks.Mode{sinks.Binary, sinks.Structured} {
		e := testEvent("id with \"quotes\" and 100%", "foo/bar:ü tag")
		e.SetExtension("repository", "foo/bar")
		msg, err := Message("hubwire.events.dtr.tag_push.foo.bar", e, mode)
		if err != nil {
			t.Fatal(err)
		}
		st := &Stored{msg: msg}
		fast, err := st.AppendJSON([]byte("prefix "))
		if err != nil {
			t.Fatal(err)
		}
		sdk, _ := e.MarshalJSON()
		var got, want map[string]any
		if err := json.Unmarshal(bytes.TrimPrefix(fast, []byte("prefix ")), &got); err != nil {
			t.Fatalf("%s: %v\n%s", mode, err, fast)
		}
		json.Unmarshal(sdk, &want)
		if !reflect.DeepEqual(got, want) || bytes.ContainsAny(fast, "\n") {
			t.Errorf("%s:\n got %s\nwant %s", mode, fast, sdk)
		}
		if st.Attribute("type") != "com.docker.dtr.tag.push" || st.Attribute("subject") != "foo/bar:ü tag" || st.Attribute("repository") != "foo/bar" {
			t.Errorf("%s: attributes %q %q %q", mode, st.Attribute("type"), st.Attribute("subject"), st.Attribute("repository"))
		}
	}
	// Data that is not JSON is left to the SDK.
	e := testEvent("bin", "foo/bar:latest")
	e.SetData("application/octet-stream", []byte{0, 1, 2})
	msg, _ := Message("hubwire.events.dtr.tag_push.foo.bar", e, sinks.Binary)
	out, err := (&Stored{msg: msg}).AppendJSON(nil)
	if err != nil || !json.Valid(out) || !bytes.Contains(out, []byte(`"datacontenttype":"application/octet-stream"`)) {
		t.Errorf("binary data: %s %v", out, err)
	}
}

func TestRepublisher(t *testing.T) {
	srv := startServer(t)
	s := newSink(t, srv, sinks.Binary)
	ctx := context.Background()
	js, _ := jetstream.New(s.Conn())
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "COPY", Subjects: []string{"copy.>"}}); err != nil {
		t.Fatal(err)
	}
	p, err := NewRepublisher(ctx, s.Conn(), "copy.events")
	if err != nil || p.Stream() != "COPY" {
		t.Fatalf("stream %q, %v", p.Stream(), err)
	}
	for n := range maxInflight + 10 {
		if err := p.Publish(ctx, testEvent(fmt.Sprint("id-", n), "foo/bar:latest")); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(ctx, s.Conn(), ReplayConfig{Stream: "COPY"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var ids []string
	r.Read(ctx, func(st *Stored) error { ids = append(ids, st.Attribute("id")); return nil })
	if len(ids) != maxInflight+10 || ids[3] != "id-3" || ids[maxInflight+9] != fmt.Sprint("id-", maxInflight+9) {
		t.Errorf("COPY holds %d events: %v…", len(ids), ids[:min(len(ids), 5)])
	}
	for _, bad := range []string{"", "copy.*", "copy..x", "a b"} {
		if _, err := NewRepublisher(ctx, s.Conn(), bad); err == nil {
			t.Errorf("subject %q taken", bad)
		}
	}
	if p, err := NewRepublisher(ctx, s.Conn(), "plain.subject"); err != nil || p.Stream() != "" {
		t.Errorf("plain subject: stream %q, %v", p.Stream(), err)
	}
}

// BenchmarkAppendJSON is replay's own work per event to standard output,
// without the broker: go test ./sinks/nats -run '^$' -bench AppendJSON
func BenchmarkAppendJSON(b *testing.B) {
	msg, err := Message("hubwire.events.dtr.tag_push.foo.bar", testEvent("e50b57e141eb31dee40ab59654fa6c8d", "foo/bar:latest"), sinks.Binary)
	if err != nil {
		b.Fatal(err)
	}
	var buf []byte
	b.ReportAllocs()
	for range b.N {
		st := &Stored{msg: msg}
		if buf, err = st.AppendJSON(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}
