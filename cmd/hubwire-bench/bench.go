package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/twmb/franz-go/pkg/kfake"
)

type benchConfig struct {
	hubwire      string
	duration     time.Duration
	concurrency  int
	replayEvents int
	kafka        bool
	hubwireFlags []string
}

func listen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

// proc is a server under test, run as its own process so that its memory
// is its own.
type proc struct {
	cmd   *exec.Cmd
	lines *bufio.Scanner
	ready time.Duration
	hooks map[string]string
	nats  string
}

// start runs args and reads its stdout until ready says it is up.
func start(args []string, ready func(line string, p *proc) bool) (*proc, error) {
	cmd := exec.Command(args[0], args[1:]...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	p := &proc{cmd: cmd, lines: bufio.NewScanner(out), hooks: map[string]string{}}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	for p.lines.Scan() {
		if ready(p.lines.Text(), p) {
			p.ready = time.Since(t0)
			go io.Copy(io.Discard, out)
			return p, nil
		}
	}
	cmd.Process.Kill()
	return nil, fmt.Errorf("%s exited before it was ready", args[0])
}

func (p *proc) stop() {
	p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
	}
}

// memory reads the process's resident set now and at its peak, in MiB.
func (p *proc) memory() (rss, peak float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(fields[1], 64)
		switch fields[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return rss, peak
}

func startBaseline() (*proc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return start([]string{self, "baseline"}, func(line string, p *proc) bool {
		url, ok := strings.CutPrefix(line, "baseline listening on ")
		if ok {
			p.hooks["dtr"], p.hooks["dockerhub"] = url+"/hooks/dtr", url+"/hooks/dockerhub"
		}
		return ok
	})
}

func startHubwire(bin, dataDir string, extra ...string) (*proc, error) {
	args := append([]string{bin, "serve", "--http-addr", "127.0.0.1:0", "--nats-addr", "127.0.0.1:0", "--data-dir", dataDir, "--log-level", "warn"}, extra...)
	return start(args, func(line string, p *proc) bool {
		line = strings.TrimSpace(line)
		if url, ok := strings.CutPrefix(line, "Docker Hub:"); ok {
			p.hooks["dockerhub"] = strings.TrimSpace(url)
		}
		if url, ok := strings.CutPrefix(line, "DTR:"); ok {
			p.hooks["dtr"] = strings.TrimSpace(url)
		}
		if _, rest, ok := strings.Cut(line, "embedded NATS JetStream at "); ok {
			p.nats, _, _ = strings.Cut(rest, " ")
		}
		return strings.HasPrefix(line, "Schemas:")
	})
}

// measured is one target's figures.
type measured struct {
	name       string
	run        result
	paced      result
	idle, load float64 // RSS in MiB
	peak       float64
	ready      time.Duration
}

func runTarget(ctx context.Context, cfg benchConfig, name string, p *proc, paced bool) measured {
	time.Sleep(500 * time.Millisecond)
	m := measured{name: name, ready: p.ready}
	m.idle, _ = p.memory()
	sample := make(chan float64, 1)
	go func() {
		time.Sleep(cfg.duration / 2)
		rss, _ := p.memory()
		sample <- rss
	}()
	m.run = load(ctx, p.hooks, cfg.concurrency, cfg.duration, 0)
	m.load = <-sample
	if paced {
		m.paced = load(ctx, p.hooks, cfg.concurrency, cfg.duration, m.run.rate()/2)
	}
	_, m.peak = p.memory()
	return m
}

func bench(ctx context.Context, cfg benchConfig) error {
	if _, err := os.Stat(cfg.hubwire); err != nil {
		return fmt.Errorf("no hubwire binary at %s (make build)", cfg.hubwire)
	}
	tmp, err := os.MkdirTemp("", "hubwire-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	fmt.Printf("hubwire-bench: %d connections, %v per run, %d CPUs\n\n", cfg.concurrency, cfg.duration, numCPU())

	var all []measured
	base, err := startBaseline()
	if err != nil {
		return err
	}
	// Paced too: the baseline's latency at half its own maximum says how
	// much of hubwire's tail is the machine's (two cores shared with the
	// load generator).
	all = append(all, runTarget(ctx, cfg, "baseline (decode, answer 202)", base, true))
	base.stop()

	hub, err := startHubwire(cfg.hubwire, filepath.Join(tmp, "embedded"), cfg.hubwireFlags...)
	if err != nil {
		return err
	}
	embedded := runTarget(ctx, cfg, "hubwire, embedded JetStream", hub, true)
	all = append(all, embedded)

	var replayRate float64
	var large measured
	if cfg.replayEvents > 0 {
		fmt.Printf("filling the stream to %d events for the replay and large-stream runs…\n", cfg.replayEvents)
		if replayRate, err = fillAndReplay(ctx, hub.nats, cfg.replayEvents); err != nil {
			hub.stop()
			return err
		}
		large = runTarget(ctx, cfg, fmt.Sprintf("hubwire, stream of %d", cfg.replayEvents), hub, false)
	}
	hub.stop()

	if cfg.kafka {
		cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(6, "hubwire.events", "hubwire.acks"))
		if err != nil {
			return err
		}
		kh, err := startHubwire(cfg.hubwire, filepath.Join(tmp, "kafka"), "--broker", "kafka://"+cluster.ListenAddrs()[0])
		if err != nil {
			cluster.Close()
			return err
		}
		all = append(all, runTarget(ctx, cfg, "hubwire, Kafka (kfake in the bench process)", kh, false))
		kh.stop()
		cluster.Close()
	}

	report(os.Stdout, cfg, all, embedded, large, replayRate)
	return nil
}

// fillAndReplay publishes n events of a realistic size straight into the
// events stream, then reads them all back with an ordered consumer (as
// hubwire replay will) and returns the read rate.
func fillAndReplay(ctx context.Context, url string, n int) (float64, error) {
	nc, err := natsgo.Connect(url)
	if err != nil {
		return 0, err
	}
	defer nc.Close()
	js, _ := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	data := []byte(`{"registry":"dtr","repository":"acme/api","namespace":"acme","name":"api","tag":"latest","digest":"sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c","actor":"puller","action":"tag.pull","occurred_at":"2024-01-01T00:00:00Z","image_name":"acme/api:latest","os":"linux","architecture":"amd64","payload":{"type":"TAG_PULL","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"acme","repository":"api","tag":"latest","digest":"sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c","imageName":"acme/api:latest","os":"linux","architecture":"amd64","author":"puller"}}}`)
	for i := range n {
		msg := natsgo.NewMsg("hubwire.events.dtr.tag_pull.acme.api")
		msg.Header.Set("ce-specversion", "1.0")
		msg.Header.Set("ce-id", strconv.Itoa(i))
		msg.Header.Set("ce-type", "com.docker.dtr.tag.pull")
		msg.Header.Set("ce-source", "urn:hubwire:dtr:acme/api")
		msg.Data = data
		if _, err := js.PublishMsgAsync(msg, jetstream.WithStallWait(30*time.Second)); err != nil {
			return 0, err
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(5 * time.Minute):
		return 0, fmt.Errorf("filling the stream did not finish")
	}
	info, err := js.Stream(ctx, "HUBWIRE_EVENTS")
	if err != nil {
		return 0, err
	}
	total := info.CachedInfo().State.Msgs
	cons, err := js.OrderedConsumer(ctx, "HUBWIRE_EVENTS", jetstream.OrderedConsumerConfig{})
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	var read uint64
	it, err := cons.Messages(jetstream.PullMaxMessages(4096))
	if err != nil {
		return 0, err
	}
	defer it.Stop()
	for read < total {
		m, err := it.Next()
		if err != nil {
			return 0, err
		}
		io.Discard.Write(m.Data())
		read++
	}
	return float64(read) / time.Since(t0).Seconds(), nil
}
