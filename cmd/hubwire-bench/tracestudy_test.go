package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"runtime/trace"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestStudyFollowsAWait traces the load generator against a server in
// which one request waits for a lock that another goroutine holds while
// it sleeps: the study pairs every request with the server's region, its
// parts add up to what the load generator saw, and the one that waited is
// charged to the lock on its own goroutine and to the sleep on its
// critical path.
func TestStudyFollowsAWait(t *testing.T) {
	var mu sync.Mutex
	var n atomic.Int64
	srv := httptest.NewServer(traced(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 5 {
			locked := make(chan struct{})
			go func() {
				mu.Lock()
				close(locked)
				time.Sleep(30 * time.Millisecond)
				mu.Unlock()
			}()
			<-locked
			mu.Lock()
			mu.Unlock()
		}
		w.WriteHeader(http.StatusAccepted)
	})))
	defer srv.Close()

	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Fatal(err)
	}
	res := loadCount(context.Background(), newMix(), map[string]string{"dtr": srv.URL + "/hooks/dtr"}, 4, 10*time.Second, 0, 40)
	trace.Stop()
	if res.requests != 40 || res.statuses[http.StatusAccepted] != 40 {
		t.Fatalf("load: %d requests, answers %v", res.requests, res.statuses)
	}

	client, err := readTimeline(bytes.NewReader(buf.Bytes()), "request", "conn", "wrote")
	if err != nil {
		t.Fatal(err)
	}
	server, err := readTimeline(bytes.NewReader(buf.Bytes()), "hubwire.hook", "remote", "")
	if err != nil {
		t.Fatal(err)
	}
	reqs := pair(client, server)
	if len(reqs) != 40 {
		t.Fatalf("%d requests in the traces, want 40", len(reqs))
	}
	var slow request
	for _, q := range reqs {
		if !q.matched {
			t.Fatalf("a request was not paired with the server's: %+v", q)
		}
		if sum := q.toWrite + q.toServer + q.before + q.handler + q.after + q.back + q.reading; sum != q.total {
			t.Errorf("the parts add up to %v, the request took %v: %+v", sum, q.total, q)
		}
		// The one that waited (not the slowest: on a busy machine the
		// trace's own start can stop the load generator longer).
		if q.handler > slow.handler {
			slow = q
		}
	}
	if slow.handler < 25*time.Millisecond {
		t.Errorf("the slowest request's handler took %v, want the 30 ms the lock was held", slow.handler)
	}
	var onLock time.Duration
	for k, d := range slow.own {
		if strings.HasPrefix(k, "waiting (sync) in ") && strings.Contains(k, "TestStudyFollowsAWait") {
			onLock += d
		}
	}
	if onLock < 25*time.Millisecond {
		t.Errorf("the slowest request's goroutine waited %v on the lock, want about 30 ms: %v", onLock, slow.own)
	}
	if slow.server["waiting: sleep"] < 25*time.Millisecond {
		t.Errorf("its critical path holds %v of the lock holder's sleep, want about 30 ms: %v", slow.server["waiting: sleep"], slow.server)
	}

	var out strings.Builder
	studyReport(&out, "test server", reqs)
	for _, want := range []string{"40 requests in both traces (40 matched", "server: the handler", "server: the critical path"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}

// TestLatencyFlags: settings that cannot work are refused before any
// server starts, naming the flag.
func TestLatencyFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--paced", "2s", "--trace", "2s"}, "--trace 2s: must be at least a second shorter than --paced 2s"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		var stdout, stderr strings.Builder
		err := latencyCommand(context.Background(), c.args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want an error with %q", c.args, err, c.want)
		}
		if stdout.Len() > 0 {
			t.Errorf("%v: printed %q before refusing", c.args, stdout.String())
		}
	}
}
