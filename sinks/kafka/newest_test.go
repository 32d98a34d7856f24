package kafka

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Newest pages through a real topic of three partitions newest first, in
// the order of the whole topic read and sorted, none twice, none missed;
// and filtered, the newest of what the caller keeps.
func TestNewest(t *testing.T) {
	c := cluster(t, kfake.SeedTopics(3, topic))
	s := newSink(t, c, Config{})
	repos := []string{"foo/bar", "foo/baz", "acme/api", "acme/web"}
	for _, g := range []string{"a", "b", "c", "d", "e"} {
		publishGroup(t, s, g, repos)
	}
	all, _ := readAll(t, ReplayConfig{Brokers: c.ListenAddrs(), Topic: topic})
	slices.SortFunc(all, newestFirst)
	if len(all) != 60 {
		t.Fatalf("the topic holds %d events; want 60", len(all))
	}
	ctx := context.Background()
	q := NewestQuery{Brokers: c.ListenAddrs(), Topic: topic, Limit: 7}
	var got []string
	for page := 0; ; page++ {
		events, next, err := Newest(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(events)...)
		if next == nil {
			break
		}
		if page > 20 {
			t.Fatal("the pages do not end")
		}
		// The cursor survives a URL.
		if q.Before, err = ParseCursor(Cursor(next)); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(got, ids(all)) {
		t.Fatalf("pages of 7 listed\n%v\nwant the topic newest first\n%v", got, ids(all))
	}

	keep := func(s Stored) bool { return string(s.Key) == "acme/api" }
	events, _, err := Newest(ctx, NewestQuery{Brokers: c.ListenAddrs(), Topic: topic, Limit: 4, Keep: keep})
	if err != nil {
		t.Fatal(err)
	}
	want := ids(slices.DeleteFunc(slices.Clone(all), func(s Stored) bool { return !keep(s) }))[:4]
	if !slices.Equal(ids(events), want) {
		t.Fatalf("acme/api's newest 4: %v; want %v", ids(events), want)
	}
	if _, err := ParseCursor("0:12,x"); err == nil {
		t.Fatal("a cursor hubwire did not give was read")
	}
}

// A list that shows fewer events than Newest returned (the API asks for
// one more, to know whether there are more) goes on from the last one
// shown with its After: filtered, pages of 3 shown of 4 asked list every
// kept event once, in order. Since reads only what was stored after it.
func TestNewestAfterAndSince(t *testing.T) {
	c := cluster(t, kfake.SeedTopics(3, topic))
	s := newSink(t, c, Config{})
	repos := []string{"foo/bar", "foo/baz", "acme/api", "acme/web"}
	for _, g := range []string{"a", "b", "c"} {
		publishGroup(t, s, g, repos)
	}
	time.Sleep(10 * time.Millisecond)
	since := time.Now()
	time.Sleep(10 * time.Millisecond)
	late := publishGroup(t, s, "d", repos)
	all, _ := readAll(t, ReplayConfig{Brokers: c.ListenAddrs(), Topic: topic})
	slices.SortFunc(all, newestFirst)
	keep := func(s Stored) bool { return strings.HasPrefix(string(s.Key), "acme/") }
	want := ids(slices.DeleteFunc(slices.Clone(all), func(s Stored) bool { return !keep(s) }))

	ctx := context.Background()
	q := NewestQuery{Brokers: c.ListenAddrs(), Topic: topic, Limit: 4, Keep: keep}
	var got []string
	for page := 0; ; page++ {
		events, _, err := Newest(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) <= 3 {
			got = append(got, ids(events)...)
			break
		}
		got = append(got, ids(events[:3])...)
		if q.Before, err = ParseCursor(Cursor(events[2].After)); err != nil {
			t.Fatal(err)
		}
		if page > 20 {
			t.Fatal("the pages do not end")
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pages of 3 listed\n%v\nwant the acme events newest first\n%v", got, want)
	}

	events, next, err := Newest(ctx, NewestQuery{Brokers: c.ListenAddrs(), Topic: topic, Since: since, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sorted(ids(events)), sorted(late)) || next != nil {
		t.Errorf("since the last group: %v (next %v); want %v", ids(events), next, late)
	}

	// A filter that keeps nothing reads the whole topic, each record once,
	// over windows enough that it takes several.
	for g := range 20 {
		publishGroup(t, s, fmt.Sprintf("old%d", g), repos)
	}
	all, _ = readAll(t, ReplayConfig{Brokers: c.ListenAddrs(), Topic: topic})
	asked := map[string]int{}
	none, next, err := Newest(ctx, NewestQuery{Brokers: c.ListenAddrs(), Topic: topic, Limit: 5, Keep: func(s Stored) bool { asked[s.Event.ID()]++; return false }})
	if err != nil || len(none) != 0 || next != nil || len(asked) != len(all) {
		t.Errorf("keeping nothing: %v, next %v, %d records asked of %d (%v)", ids(none), next, len(asked), len(all), err)
	}
	for id, n := range asked {
		if n > 1 {
			t.Errorf("Keep was asked of %s %d times", id, n)
		}
	}
}
