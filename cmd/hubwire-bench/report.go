package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
)

func numCPU() int { return runtime.NumCPU() }

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }

// report prints the run's figures. streams, when the stream was filled,
// are a hubwire with a new stream and one with the filled stream,
// measured taking turns.
func report(w io.Writer, cfg benchConfig, all []measured, embedded measured, streams []measured, replay replayFigures, ready []time.Duration) {
	base := all[0].run.rate()
	floor := all[1].run.rate()
	fmt.Fprintf(w, "\n%-46s %10s %7s %9s %9s %9s %9s %8s %8s %8s %8s %6s %7s  %s\n", "target", "req/s", "ratio", "p50", "p90", "p99", "max", "RSS idle", "RSS load", "RSS peak", "CPU/req", "cores", "floor", "answers")
	for _, m := range all {
		r := m.run
		fmt.Fprintf(w, "%-46s %10.0f %6.2fx %9s %9s %9s %9s %6.1f M %6.1f M %6.1f M %5.0f µs %6.2f %6.2fx  %v errors=%d duplicates=%d\n", m.name, r.rate(), r.rate()/base,
			ms(r.quantile(.5)), ms(r.quantile(.9)), ms(r.quantile(.99)), ms(r.quantile(1)), m.idle, m.load, m.peak,
			float64(m.cpuPerRequest())/1e3, m.cpu.Seconds()/r.elapsed.Seconds(), r.rate()/floor, r.statuses, r.errors, r.duplicates+m.paced.duplicates)
	}
	bp := all[0].paced
	fmt.Fprintf(w, "\nbaseline at half its maximum (%.0f req/s offered, %.0f served): p50 %s, p99 %s, max %s\n",
		base/2, bp.rate(), ms(bp.quantile(.5)), ms(bp.quantile(.99)), ms(bp.quantile(1)))
	p := embedded.paced
	fmt.Fprintf(w, "embedded JetStream at half its maximum (%.0f req/s offered, %.0f served): p50 %s, p99 %s, max %s  [target p99 <= 10 ms]\n",
		embedded.run.rate()/2, p.rate(), ms(p.quantile(.5)), ms(p.quantile(.99)), ms(p.quantile(1)))
	for _, m := range all {
		if strings.HasPrefix(m.name, "compare:") {
			fmt.Fprintf(w, "%s at half its maximum (%.0f req/s offered, %.0f served): p50 %s, p99 %s, max %s\n",
				m.name, m.run.rate()/2, m.paced.rate(), ms(m.paced.quantile(.5)), ms(m.paced.quantile(.99)), ms(m.paced.quantile(1)))
			fmt.Fprintf(w, "%s: %.2fx the baseline; hubwire does %.2fx its throughput at %.2fx its CPU per request\n", m.name, m.run.rate()/base,
				embedded.run.rate()/m.run.rate(), float64(embedded.cpuPerRequest())/float64(m.cpuPerRequest()))
		}
	}
	fp := all[1].paced
	fmt.Fprintf(w, "floor at half its maximum (%.0f req/s offered, %.0f served): p50 %s, p99 %s, max %s\n",
		floor/2, fp.rate(), ms(fp.quantile(.5)), ms(fp.quantile(.99)), ms(fp.quantile(1)))
	fmt.Fprintf(w, "embedded JetStream throughput: %.2fx the floor  [target >= 0.9x]; %.2fx the bare baseline (the floor is %.2fx it)\n",
		embedded.run.rate()/floor, embedded.run.rate()/base, floor/base)
	for _, m := range all {
		if strings.Contains(m.name, "--sync always") {
			fmt.Fprintf(w, "embedded JetStream with --sync always (an fsync per event, the default): %.0f req/s, %.2fx --sync interval's\n",
				m.run.rate(), m.run.rate()/embedded.run.rate())
		}
	}
	fmt.Fprintf(w, "embedded JetStream CPU per request: %.1fx the baseline's (%.0f µs vs %.0f µs)  [target <= 2.5x]\n",
		float64(embedded.cpuPerRequest())/float64(all[0].cpuPerRequest()), float64(embedded.cpuPerRequest())/1e3, float64(all[0].cpuPerRequest())/1e3)
	fmt.Fprintf(w, "hubwire peak RSS under load: %.1f MiB; at idle %.1f MiB  [target <= 256 MiB]\n", embedded.peak, embedded.idle)
	fmt.Fprintf(w, "ready after start, empty data dir: median %v over %d starts (%v to %v)  [target <= 300 ms]\n",
		ready[len(ready)/2].Round(time.Millisecond), len(ready), ready[0].Round(time.Millisecond), ready[len(ready)-1].Round(time.Millisecond))
	if replay.events > 0 {
		fmt.Fprintf(w, "replay of %d events, hubwire replay > /dev/null: %.0f events/s  [target >= 200000]; a bare ordered consumer that drops them: %.0f events/s (%.2fx)\n",
			replay.events, replay.command, replay.raw, replay.command/replay.raw)
	}
	if len(streams) == 2 {
		small, large := streams[0], streams[1]
		fmt.Fprintf(w, "per-event cost, a stream of %d events against a new one (~%d events by the end), taking turns: %.2fx the throughput, %.2fx the CPU per request (%.0f against %.0f µs; 1.00 = unchanged)\n",
			cfg.replayEvents, small.run.requests, large.run.rate()/small.run.rate(), float64(large.cpuPerRequest())/float64(small.cpuPerRequest()),
			float64(large.cpuPerRequest())/1e3, float64(small.cpuPerRequest())/1e3)
	}
}
