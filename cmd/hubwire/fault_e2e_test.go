package main

// Fault tests: the promise that an event answered 2xx reaches the broker,
// under a broker stopped and restarted during a load, a broker that stops
// answering, a full spool, and hubwire killed with SIGKILL. Each logs the
// figures of its run (sent, 2xx, 503, found in the broker, lost).

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	natssink "github.com/hubwire/hubwire/sinks/nats"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/hubwire/hubwire/sinks/nats/natstest"
)

func TestFaultNATSDownDuringLoad(t *testing.T) {
	broker := natstest.StartBroker(t)
	inst := startHubwire(t, t.TempDir(), "--broker", broker.URL(), "--publish-timeout", "2s")

	// Down before a load starts, back halfway through it.
	broker.Stop()
	// Ready while the broker is away: deliveries are spooled.
	addr := inst.HTTPAddr().String()
	if status, body := readiness(addr); status != http.StatusOK || body["error"] != nil || !contains(body["broker"], "spooled") || body["spool"] == nil {
		t.Errorf("/readyz with the broker down and the spool empty: %d %v", status, body)
	}
	var step sync.Mutex
	before := load(t, inst.WebhookURL("dockerhub"), 300, 16, func(n int) {
		step.Lock()
		defer step.Unlock()
		if n == 150 {
			broker.Start()
		}
	})
	drained(t, inst)
	// Then down a third of the way through a load, back at two thirds.
	during := loadFrom(t, inst.WebhookURL("dockerhub"), 300, 300, 16, func(n int) {
		step.Lock()
		defer step.Unlock()
		switch n {
		case 100:
			broker.Stop()
		case 200:
			broker.Start()
		}
	})
	if spooled := spooledCount(during); spooled == 0 || spooled == len(during) {
		t.Errorf("%d of %d spooled in the second load: want some stored directly and some spooled", spooled, len(during))
	}
	out := append(before, during...)
	drained(t, inst)
	tally(t, "NATS down during load", out, natsIDs(t, broker.URL(), "HUBWIRE_EVENTS"), true)
	metrics := get(t, inst.PublicURL()+"/metrics")
	for _, want := range []string{"hubwire_spool_events 0", fmt.Sprintf("hubwire_spool_events_spooled_total %d", spooledCount(out)), "hubwire_spool_max_bytes 1.073741824e+09"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if spooledCount(out) == 0 {
		t.Error("no delivery was spooled: the broker was never down for the load")
	}
}

func TestFaultKafkaDownDuringLoad(t *testing.T) {
	c1, err := kfake.NewCluster(kfake.SeedTopics(3, "hubwire.events"))
	if err != nil {
		t.Fatal(err)
	}
	addr := c1.ListenAddrs()[0]
	_, portText, _ := net.SplitHostPort(addr)
	var port int
	fmt.Sscan(portText, &port)
	inst := startHubwire(t, t.TempDir(), "--broker", "kafka://"+addr, "--publish-timeout", "2s")

	found := map[string]int{}
	var c2 *kfake.Cluster
	defer func() {
		if c2 != nil {
			c2.Close()
		}
	}()
	var step sync.Mutex
	out := load(t, inst.WebhookURL("dockerhub"), 400, 16, func(n int) {
		step.Lock()
		defer step.Unlock()
		switch n {
		case 100:
			// The broker stops taking records, its records are read
			// (kfake keeps them in memory only), and it is closed.
			c1.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
				c1.KeepControl()
				return nil, errors.New("broker going down"), true
			})
			kafkaIDs(t, addr, "hubwire.events", found)
			c1.Close()
		case 250:
			// A new broker on the same port, with the topic.
			var err error
			c2, err = kfake.NewCluster(kfake.Ports(port), kfake.SeedTopics(3, "hubwire.events"))
			if err != nil {
				t.Errorf("second Kafka cluster on port %d: %v", port, err)
			}
		}
	})
	if c2 == nil {
		t.Fatal("the second cluster never started")
	}
	drained(t, inst)
	kafkaIDs(t, addr, "hubwire.events", found)
	// Kafka has no idempotent producer here: at least once, consumers
	// dedup on ce_id (README, Guarantees).
	tally(t, "Kafka down during load", out, found, false)
	if spooledCount(out) == 0 {
		t.Error("no delivery was spooled: the broker was never down for the load")
	}
}

func TestFaultSilentBroker(t *testing.T) {
	broker := natstest.StartBroker(t)
	proxy := newTCPProxy(t, broker.URL()[len("nats://"):])
	const timeout = 2 * time.Second
	inst := startHubwire(t, t.TempDir(), "--broker", "nats://"+proxy.addr(), "--publish-timeout", timeout.String())
	before := load(t, inst.WebhookURL("dockerhub"), 20, 4, nil)
	for _, o := range before {
		if o.status != http.StatusAccepted || o.spooled {
			t.Fatalf("before the broker went silent: %+v", o)
		}
	}

	proxy.silence()
	out := loadFrom(t, inst.WebhookURL("dockerhub"), len(before), 200, 16, nil)
	slowest := time.Duration(0)
	for _, o := range out {
		slowest = max(slowest, o.took)
		if o.status == http.StatusAccepted && !o.spooled {
			t.Errorf("event %s answered 202 not spooled while the broker was silent", o.id)
		}
	}
	// The deadline bounds every answer; the slack is for a loaded machine.
	if slowest > timeout+5*time.Second {
		t.Errorf("slowest answer took %v with --publish-timeout %v: a silent broker must not hang requests", slowest, timeout)
	}
	t.Logf("silent broker: slowest answer %v (--publish-timeout %v)", slowest, timeout)

	proxy.resume()
	drained(t, inst)
	tally(t, "silent broker", append(before, out...), natsIDs(t, broker.URL(), "HUBWIRE_EVENTS"), true)
}

func TestFaultSpoolFull(t *testing.T) {
	broker := natstest.StartBroker(t)
	inst := startHubwire(t, t.TempDir(), "--broker", broker.URL(), "--publish-timeout", "2s",
		"--max-body-bytes", "16384", "--spool-max-bytes", "131072")
	broker.Stop()
	out := load(t, inst.WebhookURL("dockerhub"), 200, 8, nil)
	full := 0
	for _, o := range out {
		if o.status == http.StatusServiceUnavailable {
			full++
		}
	}
	if full == 0 || spooledCount(out) == 0 {
		t.Fatalf("%d spooled, %d answered 503: want both with a 128 KiB spool", spooledCount(out), full)
	}
	resp, err := http.Get(inst.PublicURL() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the spool full: %d, want 503", resp.StatusCode)
	}
	broker.Start()
	drained(t, inst)
	tally(t, "spool full", out, natsIDs(t, broker.URL(), "HUBWIRE_EVENTS"), true)
}

func TestFaultKilledMidLoad(t *testing.T) {
	for _, tc := range []struct {
		name     string
		external bool
	}{{"embedded broker", false}, {"spooling for a down broker", true}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ports := freePorts(t, 2)
			httpAddr, natsAddr := fmt.Sprintf("127.0.0.1:%d", ports[0]), fmt.Sprintf("127.0.0.1:%d", ports[1])
			const token = "fault-test-token-0123456789"
			args := []string{"serve", "--data-dir", dir, "--http-addr", httpAddr, "--nats-addr", natsAddr,
				"--token", token, "--publish-timeout", "2s", "--log-level", "warn"}
			natsURL := "nats://" + natsAddr
			var broker *natstest.Broker
			if tc.external {
				broker = natstest.StartBroker(t)
				natsURL = broker.URL()
				args = append(args, "--broker", broker.URL())
			}
			hubwire := command(t, args...)
			waitReady(t, httpAddr)
			if broker != nil {
				broker.Stop()
			}

			var killed atomic.Bool
			out := load(t, "http://"+httpAddr+"/hooks/dockerhub/"+token, 600, 16, func(n int) {
				if n == 200 && !killed.Swap(true) {
					hubwire.Process.Kill() // SIGKILL
				}
			})
			hubwire.Wait()
			answered := 0
			for _, o := range out {
				if o.status == http.StatusAccepted {
					answered++
				}
			}
			if answered < 150 || answered == len(out) {
				t.Fatalf("%d of %d answered 202: the kill did not land mid-load", answered, len(out))
			}

			if broker != nil {
				broker.Start()
			}
			command(t, args...)
			waitReady(t, httpAddr)
			if broker != nil {
				waitSpoolEmpty(t, httpAddr)
			}
			if !tc.external {
				// A consumer logs in with the password serve keeps.
				pw, err := natssink.ReadPassword(filepath.Join(dir, natssink.PasswordFile))
				if err != nil {
					t.Fatal(err)
				}
				natsURL = natstest.WithLogin(natsURL, natssink.DefaultUser, pw)
			}
			tally(t, "killed mid-load, "+tc.name, out, natsIDs(t, natsURL, "HUBWIRE_EVENTS"), true)
		})
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func spooledCount(out []outcome) int {
	n := 0
	for _, o := range out {
		if o.spooled {
			n++
		}
	}
	return n
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// readiness is GET /readyz.
func readiness(addr string) (int, map[string]any) {
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func waitReady(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if status, _ := readiness(addr); status == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("hubwire at %s not ready within a minute", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitSpoolEmpty waits until /readyz says the spool holds nothing.
func waitSpoolEmpty(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, body := readiness(addr)
		if sp, ok := body["spool"].(map[string]any); ok && sp["events"] == float64(0) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("spool not empty a minute after the broker came back: %v", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// tcpProxy forwards connections to a broker, until silence makes it a
// broker that accepts and reads but never answers.
type tcpProxy struct {
	ln     net.Listener
	target string
	silent atomic.Bool
	// delay holds back every chunk forwarded (a slow broker).
	delay atomic.Int64
	mu    sync.Mutex
	conns []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.closeAll() })
	go p.accept()
	return p
}

func (p *tcpProxy) addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.conns = append(p.conns, c)
		p.mu.Unlock()
		if p.silent.Load() {
			go io.Copy(io.Discard, c)
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, up)
		p.mu.Unlock()
		go p.pipe(up, c)
		go p.pipe(c, up)
	}
}

// pipe copies src to dst, dropping everything once the proxy is silent.
func (p *tcpProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		if p.silent.Load() {
			continue
		}
		if d := time.Duration(p.delay.Load()); d > 0 {
			time.Sleep(d)
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			return
		}
	}
}

func (p *tcpProxy) silence() { p.silent.Store(true) }

// slow makes the broker answer everything d late.
func (p *tcpProxy) slow(d time.Duration) { p.delay.Store(int64(d)) }

// resume ends the silence the way a hung broker's end shows: its
// connections close, and new ones are forwarded again.
func (p *tcpProxy) resume() {
	p.closeAll()
	p.silent.Store(false)
}

func (p *tcpProxy) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
