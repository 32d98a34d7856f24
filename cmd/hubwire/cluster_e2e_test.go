package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hubwire/hubwire/sinks/nats/natstest"
)

// TestNATSClusterNodeLost publishes through hubwire to an R3 stream on a
// three-node cluster, stops one node a third of the way through, and
// checks that every delivery answered 202 is in the stream exactly once.
// The senders retry a 503 as a registry would.
func TestNATSClusterNodeLost(t *testing.T) {
	servers := natstest.StartCluster(t, 3)
	inst := startHubwire(t, t.TempDir(), "--broker", natstest.URLs(servers), "--stream-replicas", "3", "--publish-timeout", "5s")

	const deliveries, senders = 300, 6
	var (
		mu       sync.Mutex
		accepted = map[string]bool{}
		statuses = map[int]int{}
		next     = make(chan int)
		wg       sync.WaitGroup
	)
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range next {
				body := fmt.Appendf(nil, `{"type":"TAG_PULL","createdAt":"2024-03-01T10:00:%02d.%06dZ","contents":{"namespace":"load","repository":"r%d","tag":"v%d"}}`, n%60, n, n%7, n)
				for attempt := 0; ; attempt++ {
					a := post(t, inst.WebhookURL("dtr"), "application/json", body)
					mu.Lock()
					statuses[a.status]++
					if a.status == http.StatusAccepted {
						accepted[a.body["id"].(string)] = true
					}
					mu.Unlock()
					if a.status != http.StatusServiceUnavailable || attempt == 20 {
						break
					}
					time.Sleep(250 * time.Millisecond)
				}
			}
		}()
	}
	for n := range deliveries {
		if n == deliveries/3 {
			servers[1].Shutdown()
		}
		next <- n
	}
	close(next)
	wg.Wait()

	t.Logf("answers by status: %v", statuses)
	for status := range statuses {
		if status != http.StatusAccepted && status != http.StatusServiceUnavailable {
			t.Errorf("%d answers with status %d", statuses[status], status)
		}
	}
	if len(accepted) != deliveries {
		t.Fatalf("%d of %d deliveries accepted in the end", len(accepted), deliveries)
	}
	// Deliveries the cluster could not take while it lost the node wait in
	// the spool; they are in the stream once it is empty.
	drained(t, inst)
	nc, err := natsgo.Connect(servers[0].ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	// The cluster may still be electing leaders after the loss.
	var stream jetstream.Stream
	waitFor(t, "the stream's info", func() bool {
		stream, err = js.Stream(context.Background(), "HUBWIRE_EVENTS")
		return err == nil
	})
	if r := stream.CachedInfo().Config.Replicas; r != 3 {
		t.Fatalf("stream has %d replicas, want 3", r)
	}
	msgs := natstest.ReadStream(t, servers[0].ClientURL(), "HUBWIRE_EVENTS", deliveries)
	seen := map[string]bool{}
	for _, m := range msgs {
		id := m.Header.Get("ce-id")
		if seen[id] {
			t.Errorf("event %s stored twice", id)
		}
		seen[id] = true
		if !accepted[id] {
			t.Errorf("event %s stored but never answered 202", id)
		}
	}
}
