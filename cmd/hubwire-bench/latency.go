package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/trace"
	"strings"
	"time"
)

// latencyCommand is `hubwire-bench latency`: where the tail of the latency
// at half load comes from. It measures each target's maximum (the targets
// taking turns, as in the bench), then runs each at half of it, untraced
// for the p99 and traced for the why: an execution trace of the load
// generator (runtime/trace in this process) and of the server
// (/debug/pprof/trace) over the same seconds. Each request is a trace
// region on both sides, paired by the connection's address; the slowest
// 1% are broken down against the median request: the load generator's
// part, the server's from the moment the network woke the request's
// goroutine, the server's critical path (each wait followed to the
// goroutine that ended it: nats.go, nats-server), its GC.
func latencyCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hubwire-bench latency", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg benchConfig
	fs.StringVar(&cfg.hubwire, "hubwire", "bin/hubwire", "the hubwire binary to measure")
	fs.DurationVar(&cfg.duration, "duration", 6*time.Second, "length of the full-load run that finds each target's maximum")
	fs.IntVar(&cfg.concurrency, "concurrency", 64, "concurrent connections")
	fs.IntVar(&cfg.slices, "slices", 3, "slices of the full-load run, taking turns among the targets")
	paced := fs.Duration("paced", 6*time.Second, "length of each run at half the maximum (one untraced, one traced, per round)")
	window := fs.Duration("trace", 2*time.Second, "length of each trace, taken in the middle of a traced run")
	rounds := fs.Int("rounds", 2, "rounds of paced runs, the targets taking turns")
	out := fs.String("out", "latency-traces", "directory for the traces (go tool trace reads them)")
	again := fs.String("from", "", "only study the traces an earlier run left in this `directory`")
	fs.Func("compare", "another hubwire binary to measure in the same run (repeatable)", func(v string) error {
		cfg.compare = append(cfg.compare, v)
		return nil
	})
	fs.Func("hubwire-flag", "a flag to pass to hubwire serve (repeatable)", func(v string) error {
		cfg.hubwireFlags = append(cfg.hubwireFlags, v)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: every setting is a flag (see --help)", fs.Arg(0))
	}
	if *again != "" {
		return studyAgain(stdout, *again)
	}
	if *window+time.Second > *paced {
		return fmt.Errorf("--trace %v: must be at least a second shorter than --paced %v", *window, *paced)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "hubwire-latency-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	fmt.Fprintf(stdout, "hubwire-bench latency: %d connections, %d CPUs, load average %s at the start\n", cfg.concurrency, numCPU(), loadAverage())

	type traced struct {
		target
		debug string
		// slug names its trace files.
		slug string
	}
	var targets []traced
	defer func() {
		for i := len(targets) - 1; i >= 0; i-- {
			targets[i].p.stop()
		}
	}()
	add := func(name, slug string, startIt func(debug string) (*proc, error)) error {
		debug, err := freeAddr()
		if err != nil {
			return err
		}
		p, err := startIt(debug)
		if err != nil {
			return err
		}
		targets = append(targets, traced{target{name: name, p: p}, debug, slug})
		return nil
	}
	if err := add("baseline (decode, answer 202)", "baseline", func(d string) (*proc, error) { return startBaseline("HUBWIRE_BENCH_DEBUG_ADDR=" + d) }); err != nil {
		return err
	}
	if err := add("floor (publish the body, PubAck, 202)", "floor", func(d string) (*proc, error) { return startFloor("HUBWIRE_BENCH_DEBUG_ADDR=" + d) }); err != nil {
		return err
	}
	for i, bin := range append([]string{cfg.hubwire}, cfg.compare...) {
		name, slug := "hubwire, embedded JetStream", "hubwire"
		if i > 0 {
			name, slug = "compare: "+filepath.Base(bin)+", embedded", fmt.Sprintf("compare-%d", i)
		}
		err := add(name, slug, func(d string) (*proc, error) {
			return startHubwire(bin, filepath.Join(tmp, slug), append([]string{"--debug-addr=" + d}, cfg.hubwireFlags...)...)
		})
		if err != nil {
			return err
		}
	}

	plain := make([]target, len(targets))
	for i, t := range targets {
		plain[i] = t.target
	}
	full := runTogether(ctx, cfg, plain)
	untraced := make([]result, len(targets))
	tracedRes := make([]result, len(targets))
	reqs := make([][]request, len(targets))
	kernel := make([]kernelShare, len(targets))
	for r := range *rounds {
		for k := range targets {
			i := (r + k) % len(targets)
			t := targets[i]
			rate := full[i].run.rate() / 2
			untraced[i] = untraced[i].merge(load(ctx, t.p.mix, t.p.hooks, cfg.concurrency, *paced, rate))
			clientFile := filepath.Join(*out, fmt.Sprintf("%s-%d-load.trace", t.slug, r))
			serverFile := filepath.Join(*out, fmt.Sprintf("%s-%d-server.trace", t.slug, r))
			res, ks, err := tracedLoad(ctx, t.p, cfg.concurrency, *paced, rate, *window, t.debug, clientFile, serverFile)
			kernel[i] = kernel[i].add(ks)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			tracedRes[i] = tracedRes[i].merge(res)
			client, err := readTimelineFile(clientFile, "request", "conn", "wrote")
			if err != nil {
				return fmt.Errorf("%s: %w", clientFile, err)
			}
			server, err := readTimelineFile(serverFile, "hubwire.hook", "remote", "")
			if err != nil {
				return fmt.Errorf("%s: %w", serverFile, err)
			}
			reqs[i] = append(reqs[i], pair(client, server)...)
		}
	}

	fmt.Fprintf(stdout, "\nload average %s at the end; traces in %s (go tool trace <file>)\n\n", loadAverage(), *out)
	fmt.Fprintf(stdout, "%-46s %10s %12s %9s %9s %9s %12s\n", "target", "max req/s", "half: req/s", "p50", "p99", "max", "traced p99")
	for i, t := range targets {
		u := untraced[i]
		fmt.Fprintf(stdout, "%-46s %10.0f %12.0f %9s %9s %9s %12s\n", t.name, full[i].run.rate(), u.rate(),
			ms(u.quantile(.5)), ms(u.quantile(.99)), ms(u.quantile(1)), ms(tracedRes[i].quantile(.99)))
	}
	for i, t := range targets {
		studyReport(stdout, t.name, reqs[i])
		k := kernel[i]
		fmt.Fprintf(stdout, "  while traced, per second: the server ran %.2f CPUs and its threads waited %.0f ms on the kernel's run queue; the load generator ran %.2f CPUs and waited %.0f ms\n",
			k.server.cpu.Seconds()/k.wall.Seconds(), float64(k.server.wait.Milliseconds())/k.wall.Seconds(),
			k.load.cpu.Seconds()/k.wall.Seconds(), float64(k.load.wait.Milliseconds())/k.wall.Seconds())
	}
	return nil
}

// tracedLoad runs the load at rate for d and, from a second in, takes an
// execution trace of this process and of the server (its
// /debug/pprof/trace at debug) for window.
func tracedLoad(ctx context.Context, p *proc, concurrency int, d time.Duration, rate float64, window time.Duration, debug, clientFile, serverFile string) (result, kernelShare, error) {
	var ks kernelShare
	done := make(chan result, 1)
	go func() { done <- load(ctx, p.mix, p.hooks, concurrency, d, rate) }()
	time.Sleep(time.Second)
	f, err := os.Create(clientFile)
	if err != nil {
		return <-done, ks, err
	}
	defer f.Close()
	serverErr := make(chan error, 1)
	go func() { serverErr <- fetchTrace(ctx, debug, window, serverFile) }()
	if err := trace.Start(f); err != nil {
		return <-done, ks, err
	}
	t0 := time.Now()
	s0c, s0w := sched(p.cmd.Process.Pid)
	l0c, l0w := sched(os.Getpid())
	time.Sleep(window)
	s1c, s1w := sched(p.cmd.Process.Pid)
	l1c, l1w := sched(os.Getpid())
	ks.wall = time.Since(t0)
	trace.Stop()
	ks.server = schedTimes{s1c - s0c, s1w - s0w}
	ks.load = schedTimes{l1c - l0c, l1w - l0w}
	err = <-serverErr
	return <-done, ks, err
}

// kernelShare is what the kernel's scheduler counted while a trace was
// taken: the CPU time the server's and the load generator's threads had,
// and how long they waited on its run queue.
type kernelShare struct {
	wall         time.Duration
	server, load schedTimes
}

type schedTimes struct{ cpu, wait time.Duration }

func (k kernelShare) add(o kernelShare) kernelShare {
	return kernelShare{k.wall + o.wall, schedTimes{k.server.cpu + o.server.cpu, k.server.wait + o.server.wait}, schedTimes{k.load.cpu + o.load.cpu, k.load.wait + o.load.wait}}
}

// fetchTrace saves the server's execution trace over window.
func fetchTrace(ctx context.Context, debug string, window time.Duration, file string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://%s/debug/pprof/trace?seconds=%g", debug, window.Seconds()), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("/debug/pprof/trace: %s: %s", resp.Status, b)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// freeAddr is a loopback address no one listens on now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// loadAverage is the machine's load average over 1, 5 and 15 minutes.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// studyAgain studies the traces an earlier run left in dir, by target.
func studyAgain(w io.Writer, dir string) error {
	loads, err := filepath.Glob(filepath.Join(dir, "*-load.trace"))
	if err != nil || len(loads) == 0 {
		return fmt.Errorf("no *-load.trace in %s", dir)
	}
	var order []string
	reqs := map[string][]request{}
	for _, l := range loads {
		base := strings.TrimSuffix(filepath.Base(l), "-load.trace")
		slug := base[:strings.LastIndex(base, "-")]
		client, err := readTimelineFile(l, "request", "conn", "wrote")
		if err != nil {
			return fmt.Errorf("%s: %w", l, err)
		}
		s := strings.TrimSuffix(l, "-load.trace") + "-server.trace"
		server, err := readTimelineFile(s, "hubwire.hook", "remote", "")
		if err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
		if _, ok := reqs[slug]; !ok {
			order = append(order, slug)
		}
		reqs[slug] = append(reqs[slug], pair(client, server)...)
	}
	for _, slug := range order {
		studyReport(w, slug, reqs[slug])
	}
	return nil
}
