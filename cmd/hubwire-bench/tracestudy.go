package main

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"golang.org/x/exp/trace"
)

// timeline is what one Go execution trace says about each goroutine: the
// states it went through, the regions it ran (one per request, where the
// program marks them) and the runtime's own pauses. Times are the
// machine's monotonic clock (CLOCK_MONOTONIC, in ns), so that the traces
// of two processes on the same machine line up.
type timeline struct {
	spans   map[trace.GoID][]goSpan
	labels  map[trace.GoID]string
	regions []region
	// marks are the times of the log messages of category markCategory,
	// by message (the load generator's "wrote": when a request was
	// written, by its connection's address).
	marks map[string][]int64
	// stw are the stop-the-world pauses, mark the GC's concurrent mark
	// phases; assists the mark assists, per goroutine.
	stw, mark []interval
	assists   map[trace.GoID][]interval
	// start and end bound the trace.
	start, end int64
}

// goSpan is a goroutine in one state from from to to; for a wait, by
// names the goroutine that ended it (trace.NoGoroutine for the scheduler,
// as when the network poller finds a socket ready).
type goSpan struct {
	from, to int64
	state    trace.GoState
	reason   string
	by       trace.GoID
	// where is, for a wait, the innermost function outside the runtime
	// and package sync that waited (which lock, which channel).
	where string
}

type interval struct{ from, to int64 }

// region is one request as the traced program marked it: a runtime/trace
// region on goroutine g, and the peer it logged (the remote address on a
// server, the local one on the load generator), which pairs the two sides.
type region struct {
	g        trace.GoID
	from, to int64
	peer     string
	// at is when the peer was logged: on the load generator, when the
	// request got its connection (it may wait for one, while the
	// connection serves another request).
	at int64
}

// readTimeline reads a trace, keeping the regions of type regionType and
// their log messages of category logCategory, and the times of the log
// messages of category markCategory.
func readTimeline(r io.Reader, regionType, logCategory, markCategory string) (*timeline, error) {
	tr, err := trace.NewReader(r)
	if err != nil {
		return nil, err
	}
	tl := &timeline{spans: map[trace.GoID][]goSpan{}, labels: map[trace.GoID]string{}, assists: map[trace.GoID][]interval{}, marks: map[string][]int64{}}
	// offset turns trace time into monotonic time, from the first clock
	// snapshot (traces of Go 1.25 and later carry one per generation).
	var offset int64
	haveOffset := false
	var pending []trace.Event // events before the first snapshot
	open := map[trace.GoID]int{}
	openRegion := map[trace.GoID][]int{}
	var stwStart, markStart int64 = -1, -1
	assistStart := map[trace.GoID]int64{}
	handle := func(ev trace.Event) {
		t := int64(ev.Time()) + offset
		if tl.start == 0 {
			tl.start = t
		}
		tl.end = t
		switch ev.Kind() {
		case trace.EventStateTransition:
			st := ev.StateTransition()
			if st.Resource.Kind != trace.ResourceGoroutine {
				return
			}
			id := st.Resource.Goroutine()
			from, to := st.Goroutine()
			if _, ok := tl.labels[id]; !ok || tl.labels[id] == "" {
				tl.labels[id] = entry(st.Stack)
			}
			spans := tl.spans[id]
			if i, ok := open[id]; ok {
				spans[i].to = t
				if from == trace.GoWaiting && to == trace.GoRunnable {
					spans[i].by = ev.Goroutine()
				}
			}
			if to == trace.GoNotExist {
				delete(open, id)
				tl.spans[id] = spans
				return
			}
			span := goSpan{from: t, to: -1, state: to, reason: st.Reason, by: trace.NoGoroutine}
			if to == trace.GoWaiting {
				span.where = waiter(st.Stack)
			}
			spans = append(spans, span)
			open[id] = len(spans) - 1
			tl.spans[id] = spans
		case trace.EventRegionBegin:
			if ev.Region().Type == regionType {
				tl.regions = append(tl.regions, region{g: ev.Goroutine(), from: t, to: -1})
				openRegion[ev.Goroutine()] = append(openRegion[ev.Goroutine()], len(tl.regions)-1)
			}
		case trace.EventRegionEnd:
			if ev.Region().Type == regionType {
				if st := openRegion[ev.Goroutine()]; len(st) > 0 {
					tl.regions[st[len(st)-1]].to = t
					openRegion[ev.Goroutine()] = st[:len(st)-1]
				}
			}
		case trace.EventLog:
			if l := ev.Log(); l.Category == markCategory {
				tl.marks[l.Message] = append(tl.marks[l.Message], t)
			} else if l.Category == logCategory {
				if st := openRegion[ev.Goroutine()]; len(st) > 0 {
					tl.regions[st[len(st)-1]].peer = l.Message
					tl.regions[st[len(st)-1]].at = t
				}
			}
		case trace.EventRangeBegin, trace.EventRangeActive:
			name := ev.Range().Name
			switch {
			case strings.HasPrefix(name, "stop-the-world"):
				stwStart = t
			case name == "GC concurrent mark phase":
				markStart = t
			case name == "GC mark assist":
				assistStart[ev.Goroutine()] = t
			}
		case trace.EventRangeEnd:
			name := ev.Range().Name
			switch {
			case strings.HasPrefix(name, "stop-the-world") && stwStart >= 0:
				tl.stw = append(tl.stw, interval{stwStart, t})
				stwStart = -1
			case name == "GC concurrent mark phase" && markStart >= 0:
				tl.mark = append(tl.mark, interval{markStart, t})
				markStart = -1
			case name == "GC mark assist":
				if s, ok := assistStart[ev.Goroutine()]; ok {
					tl.assists[ev.Goroutine()] = append(tl.assists[ev.Goroutine()], interval{s, t})
					delete(assistStart, ev.Goroutine())
				}
			}
		}
	}
	for {
		ev, err := tr.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if !haveOffset {
			if ev.Kind() == trace.EventSync {
				if cs := ev.Sync().ClockSnapshot; cs != nil {
					offset = int64(cs.Mono) - int64(cs.Trace)
					haveOffset = true
					for _, p := range pending {
						handle(p)
					}
					pending = nil
				}
			}
			if !haveOffset {
				pending = append(pending, ev)
				continue
			}
		}
		handle(ev)
	}
	if !haveOffset {
		return nil, fmt.Errorf("the trace has no clock snapshot (a Go before 1.25?)")
	}
	// Close what was still open at the end.
	for id, i := range open {
		tl.spans[id][i].to = tl.end
	}
	tl.regions = slices.DeleteFunc(tl.regions, func(r region) bool { return r.to < 0 })
	return tl, nil
}

// readTimelineFile is readTimeline of a file.
func readTimelineFile(name, regionType, logCategory, markCategory string) (*timeline, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readTimeline(f, regionType, logCategory, markCategory)
}

// entry names a goroutine by the outermost function of its stack, which is
// the one it was started with: net/http.(*conn).serve, nats-server's
// (*client).readLoop, and so on.
func entry(s trace.Stack) string {
	var last string
	for f := range s.Frames() {
		last = f.Func
	}
	return last
}

// waiter is the innermost function of s outside the runtime and package
// sync.
func waiter(s trace.Stack) string {
	for f := range s.Frames() {
		if strings.HasPrefix(f.Func, "runtime.") || strings.HasPrefix(f.Func, "sync.") || strings.HasPrefix(f.Func, "internal/") {
			continue
		}
		return strings.ReplaceAll(f.Func, "%2e", ".")
	}
	return ""
}

// kind sorts a goroutine's entry function into who it works for.
func kind(fn string) string {
	fn = strings.ReplaceAll(fn, "%2e", ".")
	switch {
	case fn == "":
		return "unknown"
	case strings.Contains(fn, "nats-server"):
		return "nats-server"
	case strings.Contains(fn, "nats.go"):
		return "nats.go " + strings.TrimPrefix(path.Base(fn), "nats.go.")
	case strings.HasPrefix(fn, "net/http."):
		return "net/http " + strings.TrimPrefix(path.Base(fn), "http.")
	case strings.HasPrefix(fn, "runtime."):
		return fn
	case strings.Contains(fn, "hubwire"):
		return "hubwire " + path.Base(fn)
	}
	return fn
}

// Categories of the time on a request's critical path.
const (
	catRunnable = "runnable (ready, waiting for a CPU)"
	catSyscall  = "in a system call"
)

// critical adds to out where the time from..to of goroutine g went,
// following each wait to the goroutine that ended it (the critical path):
// a handler waiting for its PubAck is charged the time nats.go's and
// nats-server's goroutines spent running and runnable on its behalf.
// Waits the scheduler ended (the network poller, timers) are charged as
// waits: the time came from outside the process.
func (tl *timeline) critical(g trace.GoID, from, to int64, depth int, out map[string]time.Duration) {
	spans := tl.spans[g]
	// The last span that starts before to.
	i, _ := slices.BinarySearchFunc(spans, to, func(s goSpan, t int64) int {
		if s.from < t {
			return -1
		}
		return 1
	})
	i--
	t := to
	for ; i >= 0 && t > from; i-- {
		s := spans[i]
		lo := max(s.from, from)
		hi := min(s.to, t)
		if s.to < 0 {
			hi = t
		}
		if hi <= lo {
			continue
		}
		if hi < t {
			out["not traced"] += time.Duration(t - hi)
		}
		d := time.Duration(hi - lo)
		switch s.state {
		case trace.GoRunning:
			out["running: "+kind(tl.labels[g])] += d
		case trace.GoRunnable:
			out[catRunnable] += d
		case trace.GoSyscall:
			out[catSyscall] += d
		case trace.GoWaiting:
			switch {
			case s.by == trace.NoGoroutine || s.by == g || s.reason == "network" || strings.Contains(s.reason, "sleep"):
				out["waiting: "+s.reason] += d
			case depth >= maxDepth:
				out["waiting: "+s.reason+", a chain of more than 16 goroutines"] += d
			default:
				tl.critical(s.by, lo, hi, depth+1, out)
			}
		default:
			out["other"] += d
		}
		t = lo
	}
	if t > from {
		out["not traced"] += time.Duration(t - from)
	}
}

// maxDepth is how many hand-offs critical follows back.
const maxDepth = 16

// own adds to out what goroutine g itself did from from to to: running,
// runnable, or waiting, by reason and by the function that waited.
func (tl *timeline) own(g trace.GoID, from, to int64, out map[string]time.Duration) {
	for _, s := range tl.spans[g] {
		lo, hi := max(s.from, from), min(s.to, to)
		if hi <= lo {
			continue
		}
		d := time.Duration(hi - lo)
		switch s.state {
		case trace.GoRunning:
			out["running"] += d
		case trace.GoRunnable:
			out[catRunnable] += d
		case trace.GoSyscall:
			out[catSyscall] += d
		case trace.GoWaiting:
			out["waiting ("+s.reason+") in "+s.where] += d
		}
	}
}

// stateAt is the span of g in force at t.
func (tl *timeline) stateAt(g trace.GoID, t int64) (int, bool) {
	spans := tl.spans[g]
	i, _ := slices.BinarySearchFunc(spans, t, func(s goSpan, t int64) int {
		if s.from <= t {
			return -1
		}
		return 1
	})
	i--
	return i, i >= 0
}

// wokenAt is when the goroutine running a server region was last woken by
// the network before the region began: when the request reached it.
func (tl *timeline) wokenAt(r region) int64 {
	spans := tl.spans[r.g]
	i, ok := tl.stateAt(r.g, r.from)
	if !ok {
		return r.from
	}
	for ; i >= 0; i-- {
		if spans[i].state == trace.GoWaiting {
			if spans[i].reason == "network" {
				return spans[i].to
			}
			break
		}
	}
	return r.from
}

// answerReached is when the answer to the load generator's request r
// reached the process: r's goroutine last waited for the transport's
// read loop, and that loop for the network; the end of that network wait.
func (tl *timeline) answerReached(r region) int64 {
	spans := tl.spans[r.g]
	i, ok := tl.stateAt(r.g, r.to)
	for ; ok && i >= 0 && spans[i].from >= r.from; i-- {
		s := spans[i]
		if s.state != trace.GoWaiting || s.by == trace.NoGoroutine {
			continue
		}
		loop := tl.spans[s.by]
		j, ok := tl.stateAt(s.by, s.to)
		for ; ok && j >= 0 && loop[j].to > r.from; j-- {
			if loop[j].state == trace.GoWaiting && loop[j].reason == "network" {
				return loop[j].to
			}
		}
		break
	}
	return r.to
}

// blockedAfter is when the goroutine of a server region next waited for
// the network after it: the answer written, waiting for the next request.
func (tl *timeline) blockedAfter(r region) int64 {
	spans := tl.spans[r.g]
	i, ok := tl.stateAt(r.g, r.to)
	if !ok {
		return r.to
	}
	for ; i < len(spans); i++ {
		if spans[i].state == trace.GoWaiting {
			return spans[i].from
		}
	}
	return r.to
}

// overlap is how long [from, to] overlaps the intervals.
func overlap(ivs []interval, from, to int64) time.Duration {
	var d int64
	for _, iv := range ivs {
		if iv.to <= from || iv.from >= to {
			continue
		}
		d += min(iv.to, to) - max(iv.from, from)
	}
	return time.Duration(d)
}

// request is one request seen from both sides: the load generator's
// region and, when found, the server's.
type request struct {
	total time.Duration
	// The parts of total, one after the other: the load generator until
	// the request was written (toWrite), the way to the server until the
	// network woke its goroutine (toServer: the kernel, the server's
	// network poller), the server until it wrote the answer (before,
	// handler, after the handler), the way back until the network woke
	// the load generator's read loop (back), and the load generator from
	// then on (reading).
	toWrite, toServer, before, handler, after, back, reading time.Duration
	// client is the load generator's critical path while reading the
	// answer; server the server's, from the moment the request's goroutine
	// was woken by the network to the moment it waited for the next one.
	client, server map[string]time.Duration
	// own is what the server's goroutine for the request did itself.
	own     map[string]time.Duration
	matched bool
	// stw and mark are the server's stop-the-world pauses and GC mark
	// phase during the server part, assist its goroutine's mark assists;
	// clientSTW the load generator's pauses during the request.
	stw, mark, assist, clientSTW time.Duration
}

// pair matches the load generator's requests with the server's and breaks
// each down.
func pair(client, server *timeline) []request {
	byPeer := map[string][]region{}
	for _, r := range server.regions {
		byPeer[r.peer] = append(byPeer[r.peer], r)
	}
	for _, rs := range byPeer {
		slices.SortFunc(rs, func(a, b region) int { return int(a.from - b.from) })
	}
	for _, ts := range client.marks {
		slices.Sort(ts)
	}
	// Only requests both traces cover in full.
	lo, hi := max(client.start, server.start), min(client.end, server.end)
	var out []request
	for _, c := range client.regions {
		if c.from < lo || c.to > hi {
			continue
		}
		q := request{total: time.Duration(c.to - c.from), client: map[string]time.Duration{}, server: map[string]time.Duration{}, own: map[string]time.Duration{}}
		q.clientSTW = overlap(client.stw, c.from, c.to)
		rs := byPeer[c.peer]
		i, _ := slices.BinarySearchFunc(rs, c.at, func(r region, t int64) int {
			if r.from < t {
				return -1
			}
			return 1
		})
		ws := client.marks[c.peer]
		j, _ := slices.BinarySearch(ws, c.at)
		if i < len(rs) && rs[i].to <= c.to && j < len(ws) && ws[j] <= rs[i].from {
			s := rs[i]
			q.matched = true
			wrote := ws[j]
			woke := max(server.wokenAt(s), wrote)
			done := min(server.blockedAfter(s), c.to)
			reached := min(max(client.answerReached(c), done), c.to)
			q.toWrite = time.Duration(wrote - c.from)
			q.toServer = time.Duration(woke - wrote)
			q.before = time.Duration(s.from - woke)
			q.handler = time.Duration(s.to - s.from)
			q.after = time.Duration(done - s.to)
			q.back = time.Duration(reached - done)
			q.reading = time.Duration(c.to - reached)
			server.critical(s.g, woke, done, 0, q.server)
			server.own(s.g, woke, done, q.own)
			client.critical(c.g, reached, c.to, 0, q.client)
			q.stw = overlap(server.stw, woke, done)
			q.mark = overlap(server.mark, woke, done)
			q.assist = overlap(server.assists[s.g], woke, done)
		}
		out = append(out, q)
	}
	return out
}

// studyReport prints where the slowest share of requests spent their time,
// beside the median request's, for one target.
func studyReport(w io.Writer, name string, reqs []request) {
	if len(reqs) == 0 {
		fmt.Fprintf(w, "%s: no request in both traces\n", name)
		return
	}
	slices.SortFunc(reqs, func(a, b request) int { return int(a.total - b.total) })
	n := len(reqs)
	cut := reqs[n*99/100].total
	slow := reqs[n*99/100:]
	mid := reqs[n*45/100 : n*55/100]
	matched := 0
	for _, q := range reqs {
		if q.matched {
			matched++
		}
	}
	fmt.Fprintf(w, "\n%s: %d requests in both traces (%d matched to the server's), p50 %s, p99 %s, max %s\n",
		name, n, matched, ms(reqs[n/2].total), ms(cut), ms(reqs[n-1].total))
	slow = slices.DeleteFunc(slices.Clone(slow), func(q request) bool { return !q.matched })
	mid = slices.DeleteFunc(slices.Clone(mid), func(q request) bool { return !q.matched })
	fmt.Fprintf(w, "  %-58s %14s %14s\n", "mean per request", fmt.Sprintf("slowest 1%% (%d)", len(slow)), "p45-p55")
	row := func(label string, f func(q request) time.Duration) {
		fmt.Fprintf(w, "  %-58s %14s %14s\n", label, ms(mean(slow, f)), ms(mean(mid, f)))
	}
	row("total, as the load generator saw it (requests paired)", func(q request) time.Duration { return q.total })
	row("load generator: until the request was written", func(q request) time.Duration { return q.toWrite })
	row("to the server: kernel, until its network poller woke it", func(q request) time.Duration { return q.toServer })
	row("server: from woken to the handler", func(q request) time.Duration { return q.before })
	row("server: the handler", func(q request) time.Duration { return q.handler })
	row("server: after the handler, until the answer was written", func(q request) time.Duration { return q.after })
	row("back: kernel, until the load generator's poller woke it", func(q request) time.Duration { return q.back })
	row("load generator: reading the answer", func(q request) time.Duration { return q.reading })
	row("  of which runnable (waiting for a CPU)", func(q request) time.Duration { return q.client[catRunnable] })
	top := func(title string, m func(q request) map[string]time.Duration, n int) {
		cats := map[string]bool{}
		for _, q := range slow {
			for k := range m(q) {
				cats[k] = true
			}
		}
		keys := slices.Collect(maps.Keys(cats))
		slices.SortFunc(keys, func(a, b string) int {
			return int(mean(slow, func(q request) time.Duration { return m(q)[b] }) - mean(slow, func(q request) time.Duration { return m(q)[a] }))
		})
		fmt.Fprintf(w, "  %s\n", title)
		for i, k := range keys {
			if i == n {
				break
			}
			row("  "+k, func(q request) time.Duration { return m(q)[k] })
		}
	}
	top("server: its goroutine for the request, itself:", func(q request) map[string]time.Duration { return q.own }, 6)
	top("server: the critical path (each wait followed to the goroutine that ended it):", func(q request) map[string]time.Duration { return q.server }, 10)
	row("server: stop-the-world pauses during it", func(q request) time.Duration { return q.stw })
	row("server: GC mark phase during it", func(q request) time.Duration { return q.mark })
	row("server: mark assists by its goroutine", func(q request) time.Duration { return q.assist })
	row("load generator: stop-the-world pauses during it", func(q request) time.Duration { return q.clientSTW })
	share := func(f func(q request) bool) string {
		c := 0
		for _, q := range slow {
			if f(q) {
				c++
			}
		}
		return fmt.Sprintf("%.0f%%", 100*float64(c)/float64(len(slow)))
	}
	fmt.Fprintf(w, "  of the slowest 1%%: %s waited > 1 ms runnable in the server, %s spent > 1 ms writing or > 1 ms runnable reading in the load generator, %s > 5 ms runnable on either side; %s ran during a server GC mark phase, %s met a server stop-the-world\n",
		share(func(q request) bool { return q.server[catRunnable] > time.Millisecond }),
		share(func(q request) bool { return q.client[catRunnable] > time.Millisecond || q.toWrite > time.Millisecond }),
		share(func(q request) bool { return q.server[catRunnable]+q.client[catRunnable] > 5*time.Millisecond }),
		share(func(q request) bool { return q.mark > 0 }),
		share(func(q request) bool { return q.stw > 0 }))
}

func sumPrefix(m map[string]time.Duration, prefix string) time.Duration {
	var d time.Duration
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			d += v
		}
	}
	return d
}

func mean(qs []request, f func(request) time.Duration) time.Duration {
	if len(qs) == 0 {
		return 0
	}
	var d time.Duration
	for _, q := range qs {
		d += f(q)
	}
	return d / time.Duration(len(qs))
}
