package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// receiver is a real HTTP server that counts the deliveries per path and
// checks that each body is JSON.
type receiver struct {
	mu     sync.Mutex
	paths  map[string]int
	bodies map[string]bool
	bad    int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if ct := r.Header.Get("Content-Type"); !json.Valid(body) || (ct != "application/json" && !strings.HasSuffix(ct, "+json")) {
		rc.bad++
	}
	rc.paths[r.URL.Path]++
	rc.bodies[string(body)] = true
	if strings.Contains(r.URL.Path, "wrong") {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func TestLoadSendsTheCountAsked(t *testing.T) {
	rc := &receiver{paths: map[string]int{}, bodies: map[string]bool{}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	var out, errs bytes.Buffer
	err := loadCommand(context.Background(), []string{"--dtr", srv.URL + "/hooks/dtr/t", "--dockerhub", srv.URL + "/hooks/dockerhub/t",
		"--distribution", srv.URL + "/hooks/distribution/t", "--github", srv.URL + "/hooks/github/t",
		"--requests", "500", "--concurrency", "8"}, &out, &errs)
	if err != nil {
		t.Fatalf("%v: %s", err, errs.String())
	}
	if got := rc.paths["/hooks/dtr/t"] + rc.paths["/hooks/dockerhub/t"] + rc.paths["/hooks/distribution/t"] + rc.paths["/hooks/github/t"]; got != 500 {
		t.Errorf("receiver got %d deliveries, want 500 (%v)", got, rc.paths)
	}
	// One in ten of the mix is a Docker Hub push, one a distribution
	// envelope, one a GitHub delivery.
	for _, source := range []string{"dockerhub", "distribution", "github"} {
		if n := rc.paths["/hooks/"+source+"/t"]; n < 40 || n > 60 {
			t.Errorf("%d %s deliveries in 500, want about 50", n, source)
		}
	}
	if len(rc.bodies) != 500 || rc.bad != 0 {
		t.Errorf("%d distinct bodies in 500, %d not JSON", len(rc.bodies), rc.bad)
	}
	for _, want := range []string{"requests  500 in", "202: 500", "errors    0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	// Without a Docker Hub URL, the mix is DTR only.
	rc.paths = map[string]int{}
	if err := loadCommand(context.Background(), []string{"--dtr", srv.URL + "/hooks/dtr/t", "--requests", "100"}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	if rc.paths["/hooks/dtr/t"] != 100 || len(rc.paths) != 1 {
		t.Errorf("DTR only: %v", rc.paths)
	}

	// Nothing accepted is an error that says why.
	err = loadCommand(context.Background(), []string{"--dtr", srv.URL + "/hooks/dtr/wrong", "--requests", "10"}, &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "no delivery was accepted") {
		t.Errorf("all 404: %v", err)
	}
}

func TestLoadFlagsRefused(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{nil, "no receiver"},
		{[]string{"--dtr", "ftp://x/hooks"}, "not an http:// or https:// URL"},
		{[]string{"--dockerhub", "127.0.0.1:8080/hooks"}, "--dockerhub"},
		{[]string{"--dtr", "http://x/", "--concurrency", "0"}, "--concurrency 0"},
		{[]string{"--dtr", "http://x/", "--duration", "-1s"}, "--duration"},
		{[]string{"--dtr", "http://x/", "--requests", "-5"}, "--requests -5"},
		{[]string{"--dtr", "http://x/", "--rate", "-1"}, "--rate"},
		{[]string{"--dtr", "http://x/", "extra"}, `unexpected argument "extra"`},
		{[]string{"--bogus"}, "not defined"},
	} {
		var out, errs bytes.Buffer
		err := loadCommand(context.Background(), tc.args, &out, &errs)
		if err == nil || !strings.Contains(err.Error()+errs.String(), tc.says) {
			t.Errorf("%q: %v (%s), want %q", tc.args, err, errs.String(), tc.says)
		}
	}
}

// dedup answers as hubwire does: "duplicate": true for a body it has seen.
type dedup struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (d *dedup) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	d.mu.Lock()
	dup := d.seen[string(body)]
	d.seen[string(body)] = true
	d.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
	w.Write([]byte(`{"id":"x","duplicate":` + map[bool]string{true: "true", false: "false"}[dup] + `}`))
}

// The bench once made its mix anew in every slice, so every slice after
// the first re-sent the first one's occurrences: one mix per target, kept
// across slices, sends none twice, and the duplicates are counted when a
// receiver says so.
func TestSlicesSendNewOccurrences(t *testing.T) {
	srv := httptest.NewServer(&dedup{seen: map[string]bool{}})
	defer srv.Close()
	hooks := map[string]string{}
	for _, s := range []string{"dtr", "dockerhub", "distribution", "github"} {
		hooks[s] = srv.URL + "/hooks/" + s
	}
	m := newMix()
	var r result
	for range 3 {
		r = r.merge(loadCount(context.Background(), m, hooks, 4, time.Minute, 0, 200))
	}
	if r.requests != 600 || r.duplicates != 0 {
		t.Fatalf("three slices of one mix: %d requests, %d answered duplicate; want 600 and 0", r.requests, r.duplicates)
	}
	// A mix that starts over, as each slice's did, repeats them all.
	again := loadCount(context.Background(), &mix{base: m.base}, hooks, 4, time.Minute, 0, 200)
	if again.duplicates != 200 {
		t.Fatalf("a mix starting over: %d of 200 answered duplicate; want all", again.duplicates)
	}
}
