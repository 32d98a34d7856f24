package console

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// jobs are the replays this replica ran: one runs at a time, so that a
// replay cannot crowd out the deliveries, and the last few are kept for
// their pages.
type jobs struct {
	mu   sync.Mutex
	next int
	list []*job // oldest first
}

// keptJobs is how many ended jobs their pages still show.
const keptJobs = 10

// start makes job N, unless one is running.
func (js *jobs) start(f filter, dest, who string, total int, now time.Time) (*job, error) {
	js.mu.Lock()
	defer js.mu.Unlock()
	for _, j := range js.list {
		if !j.ended() {
			return nil, fmt.Errorf("Replay job %d is running: cancel it, or wait for it to end, before starting another.", j.id)
		}
	}
	js.next++
	j := &job{id: js.next, filter: f, dest: dest, who: who, total: total, started: now, stop: make(chan struct{}), done: make(chan struct{})}
	js.list = append(js.list, j)
	if len(js.list) > keptJobs {
		js.list = slices.Delete(js.list, 0, len(js.list)-keptJobs)
	}
	return j, nil
}

func (js *jobs) get(id int) *job {
	js.mu.Lock()
	defer js.mu.Unlock()
	for _, j := range js.list {
		if j.id == id {
			return j
		}
	}
	return nil
}

// views are the running job, if any, and all kept, newest first.
func (js *jobs) views(now time.Time) (*jobView, []*jobView) {
	js.mu.Lock()
	list := slices.Clone(js.list)
	js.mu.Unlock()
	var running *jobView
	var out []*jobView
	for i := len(list) - 1; i >= 0; i-- {
		v := list[i].view(now)
		if v.Running {
			running = v
		}
		out = append(out, v)
	}
	return running, out
}

// stopAll stops the running jobs (the server is shutting down).
func (js *jobs) stopAll() {
	js.mu.Lock()
	defer js.mu.Unlock()
	for _, j := range js.list {
		j.cancel()
	}
}

// wait waits for every job to have ended, or for ctx.
func (js *jobs) wait(ctx context.Context) error {
	js.mu.Lock()
	list := slices.Clone(js.list)
	js.mu.Unlock()
	for _, j := range list {
		select {
		case <-j.done:
		case <-ctx.Done():
			return fmt.Errorf("replay job %d did not end in time (%d of %d events sent): %w", j.id, j.written.Load(), j.total, ctx.Err())
		}
	}
	return nil
}

// job is one replay: its progress, and the channel that stops it.
type job struct {
	id      int
	filter  filter
	dest    string
	who     string
	total   int
	started time.Time
	written atomic.Int64
	// audited counts the events written whose records note the replay
	// (a batch of them at a time).
	audited atomic.Int64
	stop    chan struct{}
	done    chan struct{}

	mu         sync.Mutex
	stopOnce   sync.Once
	cancelled  bool
	state      string // "" while running; done, cancelled, failed
	err        string
	endedAt    time.Time
	warnings   int
	messages   []string // the last few warnings
	unaudited  int
	logPartial []byte
}

// keptMessages is how many of a job's warnings its page shows.
const keptMessages = 5

// cancel asks the job to stop; it reports whether this call did.
func (j *job) cancel() bool {
	did := false
	j.stopOnce.Do(func() {
		j.mu.Lock()
		j.cancelled = true
		j.mu.Unlock()
		close(j.stop)
		did = true
	})
	return did && !j.ended()
}

func (j *job) ended() bool {
	select {
	case <-j.done:
		return true
	default:
		return false
	}
}

// end records how the job ended.
func (j *job) end(stopped bool, err error, now time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.endedAt = now
	switch {
	case err != nil:
		j.state, j.err = "failed", err.Error()
	case stopped:
		j.state = "cancelled"
	default:
		j.state = "done"
	}
}

func (j *job) auditFailed(n int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.unaudited += n
}

// Write takes the replay's warnings, a line each ("hubwire: …"), for the
// page: the count and the last few.
func (j *job) Write(p []byte) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.logPartial = append(j.logPartial, p...)
	for {
		i := bytes.IndexByte(j.logPartial, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimPrefix(string(j.logPartial[:i]), "hubwire: ")
		j.logPartial = j.logPartial[i+1:]
		if strings.HasPrefix(line, "replayed ") || strings.TrimSpace(line) == "" {
			continue // the summary line: the page says it its way
		}
		j.warnings++
		j.messages = append(j.messages, line)
		if len(j.messages) > keptMessages {
			j.messages = j.messages[1:]
		}
	}
	return len(p), nil
}

// jobView is a job as its page and its progress JSON show it.
type jobView struct {
	ID      int    `json:"id"`
	State   string `json:"state"`
	Running bool   `json:"running"`
	To      string `json:"to"`
	By      string `json:"by"`
	Filter  string `json:"filter"`
	Written int64  `json:"written"`
	Total   int    `json:"total"`
	// Percent is Written of Total, for the bar.
	Percent int `json:"percent"`
	// Rate is the events written a second, so far.
	Rate      string    `json:"rate"`
	Took      string    `json:"took"`
	Started   time.Time `json:"started"`
	Ended     time.Time `json:"ended,omitzero"`
	Audited   int64     `json:"audited"`
	Warnings  int       `json:"warnings"`
	Messages  []string  `json:"messages"`
	Unaudited int       `json:"unaudited,omitempty"`
	Error     string    `json:"error,omitempty"`
	Link      string    `json:"-"`
	ListLink  string    `json:"-"`
}

func (j *job) view(now time.Time) *jobView {
	j.mu.Lock()
	defer j.mu.Unlock()
	v := &jobView{ID: j.id, State: j.state, To: j.dest, By: j.who, Filter: describe(j.filter), Written: j.written.Load(), Audited: j.audited.Load(), Total: j.total,
		Started: j.started, Ended: j.endedAt, Warnings: j.warnings, Messages: slices.Clone(j.messages), Unaudited: j.unaudited, Error: j.err,
		Link: fmt.Sprintf("%sreplay/%d", Prefix, j.id), ListLink: Prefix + "?" + j.filter.values().Encode()}
	if v.Messages == nil {
		v.Messages = []string{}
	}
	if v.State == "" {
		v.Running = true
		v.State = "running"
		if j.cancelled {
			v.State = "cancelling"
		}
	}
	end := now
	if !j.endedAt.IsZero() {
		end = j.endedAt
	}
	took := end.Sub(j.started)
	v.Took = took.Round(100 * time.Millisecond).String()
	v.Rate = "-"
	if s := took.Seconds(); s > 0 {
		v.Rate = fmt.Sprintf("%.0f", float64(v.Written)/s)
	}
	if v.Total > 0 {
		v.Percent = int(v.Written * 100 / int64(v.Total))
	}
	return v
}

// describe says a filter in words, for a job's page: "registry=dtr tag=1.4".
func describe(f filter) string {
	v := f.values()
	if len(v) == 0 {
		return "every event"
	}
	var parts []string
	for _, k := range []string{"registry", "type", "repository", "tag", "since", "until", "outcome", "q"} {
		if s := v.Get(k); s != "" {
			parts = append(parts, k+"="+s)
		}
	}
	return strings.Join(parts, " ")
}
