package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/dtr"
	"github.com/hubwire/hubwire/sinks"
	natssink "github.com/hubwire/hubwire/sinks/nats"
)

type benchConfig struct {
	hubwire      string
	duration     time.Duration
	concurrency  int
	replayEvents int
	kafka        bool
	hubwireFlags []string
	// compare are other hubwire binaries (the build before a change)
	// measured in the same run.
	compare []string
	slices  int
	// allowDuplicates accepts answers that say "duplicate": true.
	allowDuplicates bool
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
	// dataDir is hubwire's, where it keeps its token and the embedded
	// NATS server's password.
	dataDir string
	// mix makes the target's deliveries, across every slice and run.
	mix *mix
}

// start runs args and reads its stdout until ready says it is up.
func start(args []string, ready func(line string, p *proc) bool) (*proc, error) {
	return startEnv(nil, args, ready)
}

// startEnv is start with env added to the process's environment.
func startEnv(env []string, args []string, ready func(line string, p *proc) bool) (*proc, error) {
	cmd := exec.Command(args[0], args[1:]...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	p := &proc{cmd: cmd, lines: bufio.NewScanner(out), hooks: map[string]string{}, mix: newMix()}
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

// sched reads the time the threads of process pid have run on a CPU and
// waited on the kernel's run queue so far (ready, but the CPU given to
// another thread, of this process or any other): on a shared machine the
// second is the kernel's share of a latency, which an execution trace
// cannot see (to Go, a thread waiting there is running).
func sched(pid int) (cpu, wait time.Duration) {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		if f := strings.Fields(string(b)); len(f) > 1 {
			c, _ := strconv.ParseInt(f[0], 10, 64)
			w, _ := strconv.ParseInt(f[1], 10, 64)
			cpu += time.Duration(c)
			wait += time.Duration(w)
		}
	}
	return cpu, wait
}

// cpu reads the CPU time the process has used so far. On a shared
// machine it says what a request costs, where throughput says as much
// about the neighbours as about the server. It sums the scheduler's
// nanosecond count of each thread (/proc/<pid>/task/*/schedstat), and
// falls back to the clock ticks of /proc/<pid>/stat, which sample too
// coarsely on a busy machine.
func (p *proc) cpu() time.Duration {
	pid := p.cmd.Process.Pid
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	var ns int64
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		if f := strings.Fields(string(b)); len(f) > 0 {
			n, _ := strconv.ParseInt(f[0], 10, 64)
			ns += n
		}
	}
	if ns > 0 {
		return time.Duration(ns)
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after it. utime and stime are fields 14 and 15, in clock ticks
	// (USER_HZ, 100 on Linux).
	_, rest, ok := strings.Cut(string(b), ") ")
	fields := strings.Fields(rest)
	if !ok || len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

func startBaseline(env ...string) (*proc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return startEnv(env, []string{self, "baseline"}, func(line string, p *proc) bool {
		url, ok := strings.CutPrefix(line, "baseline listening on ")
		if ok {
			for _, source := range []string{"dtr", "dockerhub", "distribution", "github"} {
				p.hooks[source] = url + "/hooks/" + source
			}
		}
		return ok
	})
}

// startFloor starts the floor: a bare server publishing each body to an
// embedded JetStream and answering after the PubAck.
func startFloor(env ...string) (*proc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return startEnv(env, []string{self, "floor"}, func(line string, p *proc) bool {
		url, ok := strings.CutPrefix(line, "floor listening on ")
		if ok {
			for _, source := range []string{"dtr", "dockerhub", "distribution", "github"} {
				p.hooks[source] = url + "/hooks/" + source
			}
		}
		return ok
	})
}

// startHubwire starts bin serve on dataDir. A build that has --sync
// (fsync each event: the default since 2026-12-02) runs with
// --sync=interval unless extra says otherwise, as the floor and older
// builds do: the bench measures hubwire's own path, which fsyncs would
// hide (one costs ~2 ms on this disk, and nats-server does not group
// them); the --sync always target measures the default apart.
func startHubwire(bin, dataDir string, extra ...string) (*proc, error) {
	if hasFlag(bin, "sync") && !slices.ContainsFunc(extra, func(f string) bool { return strings.HasPrefix(f, "--sync") }) {
		extra = append([]string{"--sync=interval"}, extra...)
	}
	args := append([]string{bin, "serve", "--http-addr", "127.0.0.1:0", "--nats-addr", "127.0.0.1:0", "--data-dir", dataDir, "--log-level", "warn"}, extra...)
	p, err := start(args, func(line string, p *proc) bool {
		line = strings.TrimSpace(line)
		if url, ok := strings.CutPrefix(line, "Docker Hub:"); ok {
			p.hooks["dockerhub"] = strings.TrimSpace(url)
		}
		if url, ok := strings.CutPrefix(line, "DTR:"); ok {
			p.hooks["dtr"] = strings.TrimSpace(url)
		}
		// Builds before these registries print no line for them: their
		// share of the mix then goes to the others.
		if url, ok := strings.CutPrefix(line, "CNCF distribution:"); ok {
			p.hooks["distribution"] = strings.TrimSpace(url)
		}
		if url, ok := strings.CutPrefix(line, "GitHub Packages:"); ok {
			p.hooks["github"] = strings.TrimSpace(url)
		}
		if _, rest, ok := strings.Cut(line, "embedded NATS JetStream at "); ok {
			p.nats, _, _ = strings.Cut(rest, " ")
		}
		return strings.HasPrefix(line, "Schemas:")
	})
	if err != nil {
		return nil, err
	}
	p.dataDir = dataDir
	// A build that masks its token when stdout is not a terminal keeps
	// it in the data dir.
	if token, err := os.ReadFile(filepath.Join(dataDir, "webhook-token")); err == nil {
		for source, url := range p.hooks {
			p.hooks[source] = strings.Replace(url, "<token>", strings.TrimSpace(string(token)), 1)
		}
	}
	return p, nil
}

// hasFlag says whether bin serve has the flag --name.
func hasFlag(bin, name string) bool {
	out, _ := exec.Command(bin, "serve", "--help").CombinedOutput()
	return strings.Contains(string(out), "-"+name+" ")
}

// measured is one target's figures.
type measured struct {
	name       string
	run        result
	paced      result
	idle, load float64 // RSS in MiB
	peak       float64
	// cpu is the CPU time the server used during the full-load run.
	cpu time.Duration
}

// cpuPerRequest is the server's CPU time per answered request of the
// full-load run.
func (m measured) cpuPerRequest() time.Duration {
	if m.run.requests == 0 {
		return 0
	}
	return m.cpu / time.Duration(m.run.requests)
}

func runTarget(ctx context.Context, cfg benchConfig, name string, p *proc, paced bool) measured {
	return runTogether(ctx, cfg, []target{{name: name, p: p, paced: paced}})[0]
}

// target is a server to measure, and whether to measure it at half its
// maximum too.
type target struct {
	name  string
	p     *proc
	paced bool
}

// runTogether measures targets side by side: each run (full load, then
// paced at half of each target's maximum) is cut into cfg.slices slices
// that take turns among the targets. On a shared machine whose load
// changes from one second to the next, every target then sees the same
// stretches of it, and the ratios compare like with like.
func runTogether(ctx context.Context, cfg benchConfig, targets []target) []measured {
	time.Sleep(500 * time.Millisecond)
	ms := make([]measured, len(targets))
	for i, t := range targets {
		ms[i] = measured{name: t.name}
		ms[i].idle, _ = t.p.memory()
	}
	n := max(cfg.slices, 1)
	slice := cfg.duration / time.Duration(n)
	for s := range n {
		for k := range targets {
			// Rotate who goes first, so that no target always follows
			// the same one.
			i := (s + k) % len(targets)
			p := targets[i].p
			sample := make(chan float64, 1)
			go func() {
				time.Sleep(slice / 2)
				rss, _ := p.memory()
				sample <- rss
			}()
			cpu0 := p.cpu()
			ms[i].run = ms[i].run.merge(load(ctx, p.mix, p.hooks, cfg.concurrency, slice, 0))
			ms[i].cpu += p.cpu() - cpu0
			ms[i].load = max(ms[i].load, <-sample)
		}
	}
	for s := range n {
		for k := range targets {
			i := (s + k) % len(targets)
			if targets[i].paced {
				ms[i].paced = ms[i].paced.merge(load(ctx, targets[i].p.mix, targets[i].p.hooks, cfg.concurrency, slice, ms[i].run.rate()/2))
			}
		}
	}
	for i, t := range targets {
		_, ms[i].peak = t.p.memory()
	}
	return ms
}

func bench(ctx context.Context, cfg benchConfig) error {
	for _, bin := range append([]string{cfg.hubwire}, cfg.compare...) {
		if _, err := os.Stat(bin); err != nil {
			return fmt.Errorf("no hubwire binary at %s (make build)", bin)
		}
	}
	tmp, err := os.MkdirTemp("", "hubwire-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	fmt.Printf("hubwire-bench: %d connections, %v per run in %d slices taking turns among the targets, %d CPUs\n\n",
		cfg.concurrency, cfg.duration, max(cfg.slices, 1), numCPU())

	// Before any load: one start says more about the neighbours' load at
	// that moment than about hubwire.
	ready, err := readiness(cfg.hubwire, tmp, readyStarts)
	if err != nil {
		return err
	}

	// Every target runs from the start; the load takes turns among them.
	// stops stops all but the embedded hubwire, last started first.
	var targets []target
	var stops []func()
	stopOthers := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
		stops = nil
	}
	defer stopOthers()
	base, err := startBaseline()
	if err != nil {
		return err
	}
	stops = append(stops, base.stop)
	// Paced too: the baseline's latency at half its own maximum says how
	// much of hubwire's tail is the machine's (two cores shared with the
	// load generator).
	targets = append(targets, target{"baseline (decode, answer 202)", base, true})

	floor, err := startFloor()
	if err != nil {
		return err
	}
	stops = append(stops, floor.stop)
	targets = append(targets, target{"floor (publish the body, PubAck, 202)", floor, true})

	hub, err := startHubwire(cfg.hubwire, filepath.Join(tmp, "embedded"), cfg.hubwireFlags...)
	if err != nil {
		return err
	}
	defer hub.stop()
	targets = append(targets, target{"hubwire, embedded JetStream", hub, true})

	if hasFlag(cfg.hubwire, "sync") {
		p, err := startHubwire(cfg.hubwire, filepath.Join(tmp, "sync-always"), append([]string{"--sync=always"}, cfg.hubwireFlags...)...)
		if err != nil {
			return err
		}
		stops = append(stops, p.stop)
		targets = append(targets, target{"hubwire, embedded, --sync always", p, false})
	}

	for i, bin := range cfg.compare {
		p, err := startHubwire(bin, filepath.Join(tmp, fmt.Sprintf("compare-%d", i)), cfg.hubwireFlags...)
		if err != nil {
			return err
		}
		stops = append(stops, p.stop)
		targets = append(targets, target{"compare: " + filepath.Base(bin) + ", embedded", p, true})
	}

	if cfg.kafka {
		// With the deliveries topic, hubwire on Kafka writes each event's
		// record as it does on NATS (without it, acks and callbacks are
		// off and the figure leaves the record out).
		cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(6, "hubwire.events", "hubwire.acks", "hubwire.deliveries"))
		if err != nil {
			return err
		}
		stops = append(stops, cluster.Close)
		kh, err := startHubwire(cfg.hubwire, filepath.Join(tmp, "kafka"), "--broker", "kafka://"+cluster.ListenAddrs()[0])
		if err != nil {
			return err
		}
		stops = append(stops, kh.stop)
		targets = append(targets, target{"hubwire, Kafka (kfake in the bench process)", kh, false})
	}

	all := runTogether(ctx, cfg, targets)
	embedded := all[2]
	if !cfg.allowDuplicates {
		for _, m := range all {
			if n := m.run.duplicates + m.paced.duplicates; n > 0 {
				report(os.Stdout, cfg, all, embedded, nil, replayFigures{}, ready)
				return fmt.Errorf("%s answered %d deliveries \"duplicate\": true, though each was a new occurrence: the figures above are not of new events (--allow-duplicates to accept)", m.name, n)
			}
		}
	}

	var replay replayFigures
	var streams []measured
	if cfg.replayEvents > 0 {
		// Per-event cost against the stream's size: two new hubwires,
		// alike but for their streams, one filled to cfg.replayEvents and
		// one holding only what the run itself sends, measured in slices
		// that take turns, as the targets above (one run of the large one
		// after the others, compared with the embedded run, measured the
		// neighbours' load as much as the stream: 0.45x one day, 1.04x
		// another). Everything else is stopped first.
		stopOthers()
		hub.stop()
		small, err := startHubwire(cfg.hubwire, filepath.Join(tmp, "stream-small"), cfg.hubwireFlags...)
		if err != nil {
			return err
		}
		defer small.stop()
		large, err := startHubwire(cfg.hubwire, filepath.Join(tmp, "stream-large"), cfg.hubwireFlags...)
		if err != nil {
			return err
		}
		defer large.stop()
		fmt.Printf("filling a stream to %d events for the replay and large-stream runs…\n", cfg.replayEvents)
		if replay, err = fillAndReplay(ctx, cfg.hubwire, large, cfg.replayEvents); err != nil {
			return err
		}
		streams = runTogether(ctx, cfg, []target{
			{name: "hubwire, a new stream", p: small},
			{name: fmt.Sprintf("hubwire, a stream of %d", cfg.replayEvents), p: large},
		})
	}

	report(os.Stdout, cfg, all, embedded, streams, replay, ready)
	return nil
}

// readyStarts is how many times readiness starts hubwire.
const readyStarts = 7

// readiness starts hubwire n times, each with an empty data dir, and
// returns the times from start to ready, sorted.
func readiness(bin, tmp string, n int) ([]time.Duration, error) {
	var ready []time.Duration
	for i := range n {
		p, err := startHubwire(bin, filepath.Join(tmp, fmt.Sprintf("ready-%d", i)))
		if err != nil {
			return nil, err
		}
		ready = append(ready, p.ready)
		p.stop()
	}
	slices.Sort(ready)
	return ready, nil
}

// replayFigures are the replay rates, in events/s.
type replayFigures struct {
	// command is hubwire replay to /dev/null, timed from its start to its
	// exit; raw is a bare ordered consumer in the bench process that drops
	// each message, the least any replay can do, as a yardstick.
	command, raw float64
	events       uint64
}

// fillAndReplay publishes n events straight into the events stream, each
// encoded as hubwire publishes a DTR TAG_PULL (binary mode, every
// attribute in a header), then reads them back twice: with a bare ordered
// consumer, and with hubwire replay.
func fillAndReplay(ctx context.Context, bin string, hub *proc, n int) (replayFigures, error) {
	var f replayFigures
	url := hub.nats
	var opts []natsgo.Option
	if password, err := os.ReadFile(filepath.Join(hub.dataDir, "nats-password")); err == nil {
		opts = append(opts, natsgo.UserInfo("hubwire", strings.TrimSpace(string(password))))
	}
	nc, err := natsgo.Connect(url, opts...)
	if err != nil {
		return f, err
	}
	defer nc.Close()
	js, _ := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	m := newMix()
	m.n.Store(4)
	_, body, _ := m.next() // the fifth of the mix: a TAG_PULL
	events, err := dtr.New("http://127.0.0.1/schemas/").Decode(adapter.Delivery{Body: body})
	if err != nil || len(events) != 1 {
		return f, fmt.Errorf("decoding the fill's event: %d events, %v", len(events), err)
	}
	d := events[0]
	model, err := natssink.Message(natssink.Subject(natssink.DefaultSubjectPrefix, d.Address), &d.Event, sinks.Binary)
	if err != nil {
		return f, err
	}
	// Not a delivery: no entry in the duplicate window, which would hold a
	// million ids in hubwire's memory for the large-stream run.
	model.Header.Del(jetstream.MsgIDHeader)
	for i := range n {
		msg := &natsgo.Msg{Subject: model.Subject, Header: maps.Clone(model.Header), Data: model.Data}
		msg.Header.Set("ce-id", fmt.Sprintf("fill-%d", i))
		if _, err := js.PublishMsgAsync(msg, jetstream.WithStallWait(30*time.Second)); err != nil {
			return f, err
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(5 * time.Minute):
		return f, fmt.Errorf("filling the stream did not finish")
	}
	info, err := js.Stream(ctx, "HUBWIRE_EVENTS")
	if err != nil {
		return f, err
	}
	f.events = info.CachedInfo().State.Msgs

	cons, err := js.OrderedConsumer(ctx, "HUBWIRE_EVENTS", jetstream.OrderedConsumerConfig{})
	if err != nil {
		return f, err
	}
	t0 := time.Now()
	it, err := cons.Messages(jetstream.PullMaxMessages(4096))
	if err != nil {
		return f, err
	}
	for read := uint64(0); read < f.events; read++ {
		m, err := it.Next()
		if err != nil {
			it.Stop()
			return f, err
		}
		io.Discard.Write(m.Data())
	}
	f.raw = float64(f.events) / time.Since(t0).Seconds()
	it.Stop()

	cmd := exec.CommandContext(ctx, bin, "replay", "--broker", url, "--data-dir", hub.dataDir)
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return f, err
	}
	defer devNull.Close()
	cmd.Stdout = devNull
	var stderr strings.Builder
	cmd.Stderr = &stderr
	t0 = time.Now()
	if err := cmd.Run(); err != nil {
		return f, fmt.Errorf("hubwire replay: %v: %s", err, stderr.String())
	}
	f.command = float64(f.events) / time.Since(t0).Seconds()
	return f, nil
}
