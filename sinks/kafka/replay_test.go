package kafka

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/hubwire/hubwire/sinks"
)

func TestToEventReadsBothModes(t *testing.T) {
	for _, mode := range []sinks.Mode{sinks.Binary, sinks.Structured} {
		sent := testEvent("foo/bar", 1)
		sent.SetExtension("tag", "a value with spaces and ü")
		m, err := Message(sent, mode)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ToEvent(context.Background(), m)
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		// The SDK's own Kafka binding reads the same.
		want := decode(t, m)
		if got.String() != want.String() || got.ID() != sent.ID() || got.Extensions()["tag"] != "a value with spaces and ü" || string(got.Data()) != string(sent.Data()) {
			t.Errorf("%s: decoded\n%s\nthe SDK decodes\n%s", mode, got, want)
		}
	}
	if _, err := ToEvent(context.Background(), kafkago.Message{Value: []byte(`{"not":"an event"}`)}); err == nil {
		t.Error("a record without CloudEvents headers decoded")
	}
}

// publishGroup publishes n events to each repository and returns their ids
// in the order published.
func publishGroup(t *testing.T, s *Sink, group string, repos []string) []string {
	t.Helper()
	var ids []string
	for _, repo := range repos {
		for n := range 3 {
			e := testEvent(repo, n)
			e.SetID(fmt.Sprintf("%s-%s-%d", group, repo, n))
			if _, err := s.Publish(context.Background(), sinks.Address{}, e); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, e.ID())
		}
	}
	return ids
}

func readAll(t *testing.T, cfg ReplayConfig) ([]Stored, *Reader) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r, err := NewReader(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var got []Stored
	if err := r.Read(ctx, func(s Stored) error { got = append(got, s); return nil }); err != nil {
		t.Fatal(err)
	}
	return got, r
}

func ids(stored []Stored) []string {
	var out []string
	for _, s := range stored {
		out = append(out, s.Event.ID())
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestReaderPositionsByTimeAndOffset(t *testing.T) {
	c := cluster(t, kfake.SeedTopics(3, topic))
	s := newSink(t, c, Config{})
	repos := []string{"foo/bar", "foo/baz", "acme/api", "acme/web"}
	a := publishGroup(t, s, "a", repos)
	ends, err := NewReader(context.Background(), ReplayConfig{Brokers: c.ListenAddrs(), Topic: topic, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	offsets := map[int]int64{}
	for _, p := range ends.parts {
		offsets[p.partition] = p.start
	}
	time.Sleep(5 * time.Millisecond)
	t1 := time.Now()
	time.Sleep(5 * time.Millisecond)
	b := publishGroup(t, s, "b", repos)
	time.Sleep(5 * time.Millisecond)
	t2 := time.Now()
	time.Sleep(5 * time.Millisecond)
	cc := publishGroup(t, s, "c", repos)
	base := ReplayConfig{Brokers: c.ListenAddrs(), Topic: topic}

	for _, tc := range []struct {
		name string
		cfg  func(ReplayConfig) ReplayConfig
		want []string
	}{
		{"all", func(c ReplayConfig) ReplayConfig { return c }, slices.Concat(a, b, cc)},
		{"since", func(c ReplayConfig) ReplayConfig { c.StartTime = t1; return c }, slices.Concat(b, cc)},
		{"since until", func(c ReplayConfig) ReplayConfig { c.StartTime, c.Until = t1, t2; return c }, b},
		{"offsets", func(c ReplayConfig) ReplayConfig { c.Offsets = offsets; return c }, slices.Concat(b, cc)},
		{"future", func(c ReplayConfig) ReplayConfig { c.StartTime = time.Now().Add(time.Hour); return c }, nil},
	} {
		got, r := readAll(t, tc.cfg(base))
		if !slices.Equal(sorted(ids(got)), sorted(tc.want)) {
			t.Errorf("%s: read %v, want %v", tc.name, ids(got), tc.want)
		}
		if tc.name == "all" && r.Pending() != int64(len(tc.want)) {
			t.Errorf("pending %d, want %d", r.Pending(), len(tc.want))
		}
		// Each repository in the order published, and all in time order.
		last := map[string]string{}
		for i, s := range got {
			repo := string(s.Key)
			if prev := last[repo]; prev != "" && strings.Compare(s.Event.ID(), prev) < 0 {
				t.Errorf("%s: %s came after %s", tc.name, s.Event.ID(), prev)
			}
			last[repo] = s.Event.ID()
			if i > 0 && s.Time.Before(got[i-1].Time) {
				t.Errorf("%s: %s is older than the event before it", tc.name, s.Event.ID())
			}
		}
	}

	// Only the partitions named, and a partition that is not there.
	one := map[int]int64{2: offsets[2]}
	got, _ := readAll(t, ReplayConfig{Brokers: c.ListenAddrs(), Topic: topic, Offsets: one})
	for _, s := range got {
		if s.Partition != 2 || s.Offset < offsets[2] {
			t.Errorf("read %d/%d with --offset 2=%d", s.Partition, s.Offset, offsets[2])
		}
	}
	if _, err := NewReader(context.Background(), ReplayConfig{Brokers: c.ListenAddrs(), Topic: topic, Offsets: map[int]int64{7: 0}}); err == nil || !strings.Contains(err.Error(), "no partition 7; its partitions are 0, 1, 2") {
		t.Errorf("partition 7: %v", err)
	}
	if _, err := NewReader(context.Background(), ReplayConfig{Brokers: c.ListenAddrs(), Topic: "nope"}); err == nil || !strings.Contains(err.Error(), "Kafka topic nope does not exist") {
		t.Errorf("missing topic: %v", err)
	}
}

func TestReaderFollows(t *testing.T) {
	c := cluster(t, kfake.SeedTopics(2, topic))
	s := newSink(t, c, Config{})
	publishGroup(t, s, "old", []string{"foo/bar"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := NewReader(ctx, ReplayConfig{Brokers: c.ListenAddrs(), Topic: topic, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 10)
	done := make(chan error, 1)
	go func() { done <- r.Read(ctx, func(s Stored) error { got <- s.Event.ID(); return nil }) }()
	want := publishGroup(t, s, "new", []string{"foo/bar"})
	for _, id := range want {
		select {
		case g := <-got:
			if g != id {
				t.Errorf("got %s, want %s", g, id)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no event within 10s; want %s", id)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Read after cancel: %v", err)
	}
}

func TestRepublisher(t *testing.T) {
	c := cluster(t, kfake.SeedTopics(2, topic, "replayed"))
	ctx := context.Background()
	p, err := NewRepublisher(ctx, c.ListenAddrs(), "replayed", nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for n := range 5 {
		e := testEvent("foo/bar", n)
		want = append(want, e.ID())
		if err := p.Publish(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	p.Close()
	got, _ := readAll(t, ReplayConfig{Brokers: c.ListenAddrs(), Topic: "replayed"})
	if !slices.Equal(ids(got), want) || string(got[0].Key) != "foo/bar" {
		t.Errorf("replayed topic holds %v", ids(got))
	}
	if _, err := NewRepublisher(ctx, c.ListenAddrs(), "missing", nil); err == nil || !strings.Contains(err.Error(), "create it first") {
		t.Errorf("missing topic: %v", err)
	}
}
