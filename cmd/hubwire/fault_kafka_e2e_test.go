package main

// The fault tests against Kafka (kfake): a broker that accepts and never
// answers, and one restarted on its own data.

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// hangingListener hands kfake its connections until hang: from then on
// the broker reads nothing and answers nothing (its connections stay
// open), until wake closes them, as a hung broker's end shows.
type hangingListener struct {
	net.Listener
	hung  atomic.Bool
	mu    sync.Mutex
	conns []net.Conn
}

func (l *hangingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.conns = append(l.conns, c)
	l.mu.Unlock()
	return &hangingConn{Conn: c, l: l}, nil
}

func (l *hangingListener) hang() { l.hung.Store(true) }

func (l *hangingListener) wake() {
	l.mu.Lock()
	for _, c := range l.conns {
		c.Close()
	}
	l.conns = nil
	l.mu.Unlock()
	l.hung.Store(false)
}

type hangingConn struct {
	net.Conn
	l *hangingListener
}

// Read passes nothing on while the listener is hung: the request is
// swallowed, and the broker never sees it.
func (c *hangingConn) Read(b []byte) (int, error) {
	for {
		n, err := c.Conn.Read(b)
		if err != nil || !c.l.hung.Load() {
			return n, err
		}
	}
}

func TestFaultKafkaSilentBroker(t *testing.T) {
	var ln *hangingListener
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "hubwire.events"), kfake.ListenFn(func(network, addr string) (net.Listener, error) {
		l, err := net.Listen(network, addr)
		if err != nil {
			return nil, err
		}
		ln = &hangingListener{Listener: l}
		return ln, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addr := c.ListenAddrs()[0]
	const timeout = 2 * time.Second
	inst := startHubwire(t, t.TempDir(), "--broker", "kafka://"+addr, "--publish-timeout", timeout.String())
	before := load(t, inst.WebhookURL("dockerhub"), 20, 4, nil)
	for _, o := range before {
		if o.status != http.StatusAccepted || o.spooled {
			t.Fatalf("before the broker hung: %+v", o)
		}
	}
	ln.hang()
	if status, body := readiness(inst.HTTPAddr().String()); status != http.StatusOK || body["status"] != "ready" || !contains(body["broker"], "spooled") {
		t.Errorf("/readyz with the Kafka broker hung and the spool empty: %d %v", status, body)
	}
	out := loadFrom(t, inst.WebhookURL("dockerhub"), len(before), 200, 16, nil)
	slowest := time.Duration(0)
	for _, o := range out {
		slowest = max(slowest, o.took)
		if o.status == http.StatusAccepted && !o.spooled {
			t.Errorf("event %s answered 202 not spooled while the broker was hung", o.id)
		}
	}
	if slowest > timeout+5*time.Second {
		t.Errorf("slowest answer took %v with --publish-timeout %v: a hung broker must not hang requests", slowest, timeout)
	}
	t.Logf("hung Kafka broker: slowest answer %v (--publish-timeout %v)", slowest, timeout)
	ln.wake()
	drained(t, inst)
	found := map[string]int{}
	kafkaIDs(t, addr, "hubwire.events", found)
	tally(t, "hung Kafka broker", append(before, out...), found, false)
}

// A Kafka broker restarted mid-load on its own data: what it had stays,
// what came meanwhile is spooled and forwarded.
func TestFaultKafkaRestarted(t *testing.T) {
	data := t.TempDir()
	port := freePorts(t, 1)[0]
	newCluster := func() *kfake.Cluster {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port), kfake.DataDir(data), kfake.SyncWrites(), kfake.SeedTopics(3, "hubwire.events"))
		if err != nil {
			t.Fatalf("Kafka on port %d: %v", port, err)
		}
		return c
	}
	c := newCluster()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	inst := startHubwire(t, t.TempDir(), "--broker", "kafka://"+addr, "--publish-timeout", "2s")
	var step sync.Mutex
	out := load(t, inst.WebhookURL("dockerhub"), 400, 16, func(n int) {
		step.Lock()
		defer step.Unlock()
		switch n {
		case 100:
			c.Close()
		case 250:
			c = newCluster()
		}
	})
	defer func() { c.Close() }()
	drained(t, inst)
	found := map[string]int{}
	kafkaIDs(t, addr, "hubwire.events", found)
	tally(t, "Kafka restarted", out, found, false)
	if spooledCount(out) == 0 {
		t.Error("no delivery was spooled: the broker was never down for the load")
	}
}
