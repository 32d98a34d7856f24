// Command hubwire-bench measures hubwire against a bare HTTP baseline on
// the same machine, in one run, under the same load, and prints every
// figure as a ratio to the baseline (the machine is shared and noisy:
// absolute numbers from different runs do not compare).
//
//	hubwire-bench --hubwire bin/hubwire [--duration 10s] [--concurrency 64] [--compare old/hubwire]
//	hubwire-bench soak --hubwire bin/hubwire [--duration 15m] [--interval 10s] [--png soak.png]
//	hubwire-bench latency --hubwire bin/hubwire [--compare old/hubwire] [--out latency-traces]
//	hubwire-bench load --dtr URL [--dockerhub URL] [--requests N | --duration 10s] [--rate R]
//
// The last form is the load generator alone, against receivers already
// running.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof" // served only with HUBWIRE_BENCH_DEBUG_ADDR
	"os"
	"os/signal"
	"runtime/trace"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "baseline" {
		baseline()
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "floor" {
		floor()
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "soak" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		if err := soakCommand(ctx, os.Args[2:], os.Stdout, os.Stderr); err != nil {
			if !errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(os.Stderr, "hubwire-bench soak:", err)
			}
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "latency" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		if err := latencyCommand(ctx, os.Args[2:], os.Stdout, os.Stderr); err != nil {
			if !errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(os.Stderr, "hubwire-bench latency:", err)
			}
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "load" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		if err := loadCommand(ctx, os.Args[2:], os.Stdout, os.Stderr); err != nil {
			if !errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(os.Stderr, "hubwire-bench load:", err)
			}
			os.Exit(2)
		}
		return
	}
	var cfg benchConfig
	flag.StringVar(&cfg.hubwire, "hubwire", "bin/hubwire", "the hubwire binary to measure")
	flag.DurationVar(&cfg.duration, "duration", 10e9, "length of each load run")
	flag.IntVar(&cfg.concurrency, "concurrency", 64, "concurrent connections")
	flag.IntVar(&cfg.replayEvents, "replay-events", 1_000_000, "events in the stream for the replay and large-stream runs")
	flag.BoolVar(&cfg.kafka, "kafka", true, "also measure hubwire on an in-process Kafka (kfake)")
	flag.IntVar(&cfg.slices, "slices", 5, "cut each run into this many slices, taking turns among the targets\n(the machine's load then weighs on all alike); 1 runs each target in one go")
	flag.BoolVar(&cfg.allowDuplicates, "allow-duplicates", false, "do not fail the run when hubwire answers \"duplicate\": true (every\ndelivery the bench sends is a new occurrence, so none is expected)")
	flag.Func("compare", "another hubwire binary to measure in the same run, such as the build\nbefore a change (repeatable)", func(v string) error {
		cfg.compare = append(cfg.compare, v)
		return nil
	})
	flag.Func("hubwire-flag", "a flag to pass to hubwire serve (repeatable), such as --debug-addr=127.0.0.1:6060", func(v string) error {
		cfg.hubwireFlags = append(cfg.hubwireFlags, v)
		return nil
	})
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := bench(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "hubwire-bench:", err)
		os.Exit(1)
	}
}

// baseline is the limit of the HTTP part: a Go server that reads and
// JSON-decodes each body and answers 202, storing nothing.
func baseline() {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var v map[string]any
		if err != nil || json.Unmarshal(body, &v) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		w.Write([]byte(`{"id":"0","duplicate":false}`))
	})}
	srv.Handler = traced(srv.Handler)
	serveDebug()
	ln, err := listen()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("baseline listening on http://%s\n", ln.Addr())
	srv.Serve(ln)
}

// traced marks each request as a region of Go's execution trace with the
// peer's address, as hubwire's receiver does, for hubwire-bench latency.
func traced(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if trace.IsEnabled() {
			defer trace.StartRegion(r.Context(), "hubwire.hook").End()
			trace.Log(r.Context(), "remote", r.RemoteAddr)
		}
		h.ServeHTTP(w, r)
	})
}

// serveDebug serves net/http/pprof on the loopback address in
// $HUBWIRE_BENCH_DEBUG_ADDR, if set (for the baseline and the floor, as
// hubwire's --debug-addr).
func serveDebug() {
	addr := os.Getenv("HUBWIRE_BENCH_DEBUG_ADDR")
	if addr == "" {
		return
	}
	// The profiler has no login: loopback only.
	if host, _, err := net.SplitHostPort(addr); err != nil || !net.ParseIP(host).IsLoopback() {
		fmt.Fprintf(os.Stderr, "hubwire-bench: HUBWIRE_BENCH_DEBUG_ADDR %q: not a loopback host:port; the profiler stays off\n", addr)
		return
	}
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			fmt.Fprintln(os.Stderr, "hubwire-bench: debug server:", err)
		}
	}()
}
