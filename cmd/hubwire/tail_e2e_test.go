package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/hubwire/hubwire/server"
	"github.com/twmb/franz-go/pkg/kfake"
)

// tailDeadline is how long a test waits for tail to print an event stored
// a moment before: far more than it takes (well under a second), so that
// a loaded machine does not fail the test.
const tailDeadline = 5 * time.Second

// syncBuffer is a bytes.Buffer that tail writes to while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// tailing is hubwire tail running in the background.
type tailing struct {
	out, errOut *syncBuffer
	stop        func() int
}

// startTail runs hubwire tail and waits until it follows the stream.
func startTail(t *testing.T, args ...string) *tailing {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	tl := &tailing{out: &syncBuffer{}, errOut: &syncBuffer{}}
	exit := make(chan int, 1)
	go func() { exit <- run(ctx, append([]string{"tail"}, args...), tl.out, tl.errOut, noEnv) }()
	stopped := false
	tl.stop = func() int {
		cancel()
		stopped = true
		select {
		case code := <-exit:
			return code
		case <-time.After(10 * time.Second):
			t.Fatal("tail did not stop within 10s of its interrupt")
			return -1
		}
	}
	t.Cleanup(func() {
		if !stopped {
			tl.stop()
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(tl.errOut.String(), "hubwire: tailing ") {
		select {
		case code := <-exit:
			t.Fatalf("tail exited %d: %s", code, tl.errOut)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("tail did not start: %s", tl.errOut)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return tl
}

// waitFor waits until tail printed a line holding s, and returns how long
// that took.
func (tl *tailing) waitFor(t *testing.T, s string) time.Duration {
	t.Helper()
	start := time.Now()
	for !strings.Contains(tl.out.String(), s) {
		if time.Since(start) > tailDeadline {
			t.Fatalf("tail did not print %s within %v; it printed:\n%s%s", s, tailDeadline, tl.out, tl.errOut)
		}
		time.Sleep(time.Millisecond)
	}
	return time.Since(start)
}

func (tl *tailing) lines() []string {
	return strings.Split(strings.TrimSpace(tl.out.String()), "\n")
}

// postNew posts a DTR sample as a new event, and returns its id.
func postNew(t *testing.T, inst *server.Server, sample string) string {
	t.Helper()
	body, err := os.ReadFile("../../adapter/dtr/samples/" + sample + ".json")
	if err != nil {
		t.Fatal(err)
	}
	a := post(t, inst.WebhookURL("dtr"), "application/json", freshen(body, "dtr", time.Now().UTC()))
	if a.status != http.StatusAccepted {
		t.Fatalf("%s: %d %v", sample, a.status, a.body)
	}
	return a.body["id"].(string)
}

// tailPrintsEachNewEvent posts events one by one and measures how soon
// tail prints each, from the moment the post began.
func tailPrintsEachNewEvent(t *testing.T, inst *server.Server, broker string) {
	tl := startTail(t, "--broker", broker)
	var took []time.Duration
	for range 5 {
		start := time.Now()
		id := postNew(t, inst, "tag-push")
		tl.waitFor(t, id)
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	t.Logf("tail printed a new event %v after its post began (median of 5; slowest %v)", took[2], took[4])
	line := tl.lines()[0]
	fields := strings.Fields(line)
	if len(fields) != 4 || fields[1] != "com.docker.dtr.tag.push" || fields[2] != "foo/bar:latest" {
		t.Errorf("line %q: want time, type, subject and id", line)
	}
	if _, err := time.Parse(time.RFC3339, fields[0]); err != nil {
		t.Errorf("line %q: %v", line, err)
	}
	if code := tl.stop(); code != 0 {
		t.Errorf("tail exited %d on interrupt: %s", code, tl.errOut)
	}
}

// tailFilters starts a tail of scan events of foo/* and posts a tag push
// before a scan: only the scan is printed.
func tailFilters(t *testing.T, inst *server.Server, broker string) {
	tl := startTail(t, "--broker", broker, "--type", "com.docker.dtr.scan.*", "--repo", "foo/*", "--json")
	push := postNew(t, inst, "tag-push")
	scan := postNew(t, inst, "scan-completed")
	tl.waitFor(t, scan)
	// Both went to one repository, in order: had the push passed the
	// filter, it would have been printed first.
	lines := tl.lines()
	var e event.Event
	if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &e) != nil || e.ID() != scan || e.Type() != "com.docker.dtr.scan.completed" {
		t.Errorf("tail printed (push %s, scan %s):\n%s", push, scan, tl.out)
	}
}

func TestTailNATS(t *testing.T) {
	inst := startHubwire(t, t.TempDir())
	broker := natsURLOf(inst)
	t.Run("prints each new event", func(t *testing.T) { tailPrintsEachNewEvent(t, inst, broker) })
	t.Run("filters", func(t *testing.T) { tailFilters(t, inst, broker) })
	t.Run("since", func(t *testing.T) {
		before := postNew(t, inst, "promotion")
		tl := startTail(t, "--broker", broker, "--since", "1m", "--type", "com.docker.dtr.image.promoted")
		tl.waitFor(t, before)
		after := postNew(t, inst, "promotion")
		tl.waitFor(t, after)
	})
}

func TestTailKafka(t *testing.T) {
	c := kafkaCluster(t, kfake.SeedTopics(3, "hubwire.events"))
	broker := kafkaBroker(c)
	inst := startHubwire(t, t.TempDir(), "--broker", broker)
	t.Run("prints each new event", func(t *testing.T) { tailPrintsEachNewEvent(t, inst, broker) })
	t.Run("filters", func(t *testing.T) { tailFilters(t, inst, broker) })
}
