package nats

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hubwire/hubwire/sinks"
)

// Newest lists a real stream's events newest first, a page at a time,
// filtered by subject and by what the caller keeps, and stops at the start
// of the stream or at its scan bound.
func TestNewest(t *testing.T) {
	srv := startServer(t)
	sink := newSink(t, srv, sinks.Binary)
	ctx := context.Background()
	for i := 1; i <= 300; i++ {
		source := "dtr"
		if i%3 == 0 {
			source = "dockerhub"
		}
		addr := sinks.Address{Source: source, Kind: "push", Namespace: "acme", Name: fmt.Sprint("app", i%7)}
		if _, err := sink.Publish(ctx, addr, testEvent(fmt.Sprintf("%032x", i), "acme/app:"+fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	nc, err := ConnectInProcess(srv, "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	q := NewestQuery{Stream: testStream.Name, Limit: 40}

	// Every event, a page of 40 at a time, newest first, none twice.
	var seqs []uint64
	for page := 0; ; page++ {
		got, next, err := Newest(ctx, nc, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range got {
			seqs = append(seqs, s.Seq)
		}
		if next == 0 {
			break
		}
		if page > 10 {
			t.Fatal("the pages do not end")
		}
		q.Before = next
	}
	if len(seqs) != 300 {
		t.Fatalf("listed %d events in pages; want 300", len(seqs))
	}
	for i, seq := range seqs {
		if seq != uint64(300-i) {
			t.Fatalf("event %d of the list is seq %d; want %d (newest first)", i, seq, 300-i)
		}
	}

	// A subject filter and a kept attribute: Docker Hub's pushes of app3.
	got, next, err := Newest(ctx, nc, NewestQuery{Stream: testStream.Name, Subjects: []string{testStream.SubjectPrefix + ".dockerhub.>"}, Limit: 5,
		Keep: func(s *Stored) bool { return s.Subject == testStream.SubjectPrefix+".dockerhub.push.acme.app3" }})
	if err != nil {
		t.Fatal(err)
	}
	// Docker Hub's are the multiples of 3; of those, app3 are i%7 == 3:
	// 297, 276, 255, 234, 213 newest first.
	want := []uint64{297, 276, 255, 234, 213}
	if len(got) != len(want) || next != 213 {
		t.Fatalf("filtered: %d events, next %d; want %v, next 213", len(got), next, want)
	}
	for i, s := range got {
		if s.Seq != want[i] || s.Attribute("id") != fmt.Sprintf("%032x", want[i]) {
			t.Fatalf("filtered event %d: seq %d id %q; want seq %d", i, s.Seq, s.Attribute("id"), want[i])
		}
	}

	// Since stops the read at the first older event, well before the
	// scan bound: nothing was stored after the last publish.
	got, next, err = Newest(ctx, nc, NewestQuery{Stream: testStream.Name, Since: time.Now(), MaxScan: 100_000})
	if err != nil || len(got) != 0 || next != 0 {
		t.Fatalf("since now: %d events, next %d, %v; want none, next 0", len(got), next, err)
	}
	last50, _, err := Newest(ctx, nc, NewestQuery{Stream: testStream.Name, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	since := last50[49].Time
	got, next, err = Newest(ctx, nc, NewestQuery{Stream: testStream.Name, Since: since, Limit: 200})
	if err != nil || next != 0 || len(got) < 50 || len(got) >= 200 || got[0].Seq != 300 {
		t.Fatalf("since the 50th newest: %d events, next %d, %v; want those 50 (and any stored at the same instant), next 0", len(got), next, err)
	}
	for _, s := range got {
		if s.Time.Before(since) {
			t.Fatalf("since %v: seq %d stored at %v", since, s.Seq, s.Time)
		}
	}

	// A filter that matches nothing stops at the scan bound, and says
	// where to go on.
	got, next, err = Newest(ctx, nc, NewestQuery{Stream: testStream.Name, MaxScan: 256, Keep: func(*Stored) bool { return false }})
	if err != nil || len(got) != 0 || next != 300-256+1 {
		t.Fatalf("nothing kept, scan bound 256: %d events, next %d, %v; want none, next 45", len(got), next, err)
	}
}
