package receiver_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/adapter/receiver"
)

// slowSenders opens n connections that each send a delivery's headers and
// the first bytes of its body, then nothing more, as a slow (or hostile)
// sender with the right token does; they are closed when the test ends.
func slowSenders(t *testing.T, url string, n, length int) {
	t.Helper()
	host := strings.TrimPrefix(url, "http://")
	var conns []net.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for range n {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "POST /hooks/dtr/%s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"type\":", token, length)
	}
}

// fastDeliveries posts n distinct deliveries at once and returns the
// statuses they got.
func fastDeliveries(t *testing.T, url string, n int) map[int]int {
	t.Helper()
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body := strings.Replace(tagPush, `"tag":"1"`, fmt.Sprintf(`"tag":"fast-%d"`, i), 1)
			resp, err := http.Post(url+"/hooks/dtr/"+token, "application/json", strings.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			statuses[resp.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return statuses
}

// Slow bodies must not use up the in-flight cap: a delivery takes its
// slot only once its body is read.
func TestSlowBodiesDoNotTakeTheInFlightSlots(t *testing.T) {
	ts, _ := serveRegistriesWith(t, all.Registries, func(c *receiver.Config) { c.MaxInFlight = 4 })
	slowSenders(t, ts.URL, 40, 1000)
	waitConnections(t, ts, 40)
	if got := fastDeliveries(t, ts.URL, 4); got[http.StatusAccepted] != 4 {
		t.Errorf("4 fast deliveries beside 40 slow bodies with --max-in-flight 4: %v, want 4 answered 202", got)
	}
}

// The bytes in flight are bounded, not only the count: a delivery that
// would take more than the bound is answered 503 with Retry-After at
// once, and the bytes come back when the deliveries end.
func TestBytesInFlightAreBounded(t *testing.T) {
	ts, _ := serveRegistriesWith(t, all.Registries, func(c *receiver.Config) { c.MaxInFlightBytes = 64 << 10 })
	// Slow senders announce 16 KiB each: four of them hold the bound.
	slowSenders(t, ts.URL, 4, 16<<10)
	waitConnections(t, ts, 4)
	resp, body := request(t, "POST", ts.URL+"/hooks/dtr/"+token, "application/json", tagPush)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !contains(body["error"], "--max-in-flight-bytes") {
		t.Errorf("a delivery beyond the bytes in flight: %d %v, want 503 naming --max-in-flight-bytes", resp.StatusCode, body)
	}
}

// waitConnections gives the server time to read the slow senders' headers
// and start their handlers (loopback, a few ms; a second on a loaded
// machine). It waits, it asserts nothing about time.
func waitConnections(t *testing.T, ts *httptest.Server, n int) {
	t.Helper()
	time.Sleep(time.Second)
}
