package console

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/internal/redact"
)

// Replayer copies a set of events to a destination. The server's runs
// sinks/replay on hubwire's own broker: the console knows no broker.
type Replayer interface {
	// Check reads a destination as typed (nats:<subject>, kafka:<topic>
	// or an http(s):// URL) and says why it may not be replayed to. shown
	// is the destination as pages, logs and audits show it: a URL's
	// scheme and host, never its path.
	Check(ctx context.Context, to string) (shown string, err error)
	// Replay copies the events of set to `to` in the order the broker
	// stored them, each once, at most rate a second (0: no cap), calling
	// written with each event's id once it is written. It returns once
	// all are written, when stop closes (after the event being written,
	// stopped true), or on an error. log takes its warnings, a line each.
	Replay(ctx context.Context, r ReplayRun) (stopped bool, err error)
	// Bound says how far the history looks for a filter's events, for
	// the preview.
	Bound() string
}

// ReplayRun is what Replayer.Replay is asked to do.
type ReplayRun struct {
	Set     []reply.Record
	To      string
	Rate    float64
	Stop    <-chan struct{}
	Written func(id string)
	Log     io.Writer
}

// MaxReplay is the most events one replay from the console copies: a
// filter that selects more is refused, to be narrowed (or replayed with
// hubwire replay, which has no bound).
const MaxReplay = 10_000

// auditBatch is how many written events are audited at once.
const auditBatch = 100

// replayView is the replay page: the filter, its count, the form.
type replayView struct {
	Count int
	// Capped says the filter selects more than MaxReplay.
	Capped bool
	Bound  string
	Max    int
	// To is the destination typed, a URL's path left out: no page shows
	// it.
	To    string
	Rate  string
	Query string
	// Running is the job under way, if one is.
	Running *jobView
	Jobs    []*jobView
}

// selectSet lists the events the filter selects, at most MaxReplay+1.
func (c *Console) selectSet(ctx context.Context, f filter) ([]reply.Record, error) {
	f.Cursor = ""
	q, err := reply.ParseQuery(f.values(), c.cfg.Clock())
	if err != nil {
		return nil, err
	}
	q.Limit = MaxReplay + 1
	return c.cfg.History.List(ctx, q)
}

// replayPage shows what a replay of the list's filter would copy.
func (c *Console) replayPage(w http.ResponseWriter, req *http.Request, v view, status int) {
	v.Title = "Replay"
	v.Filter = readFilter(req.URL.Query())
	if req.Method == http.MethodPost {
		v.Filter = readFilter(req.PostForm)
	}
	rv := &replayView{Bound: c.cfg.Replayer.Bound(), Max: MaxReplay, To: req.FormValue("to"), Rate: req.FormValue("rate")}
	if strings.HasPrefix(rv.To, "http") {
		rv.To = redact.HostOr(rv.To, "")
	}
	if v.Filter.Until == "" {
		// The set is the events stored up to now: what the count says is
		// what the replay copies, whatever arrives meanwhile.
		v.Filter.Until = c.cfg.Clock().UTC().Format(time.RFC3339Nano)
	}
	rv.Query = v.Filter.values().Encode()
	v.Replay = rv
	rv.Running, rv.Jobs = c.jobs.views(c.cfg.Clock())
	ctx, cancel := context.WithTimeout(req.Context(), 30*time.Second)
	defer cancel()
	set, err := c.selectSet(ctx, v.Filter)
	if err != nil {
		v.Error = "Counting the events: " + err.Error()
		c.render(w, req, http.StatusBadRequest, "replay", v)
		return
	}
	rv.Count, rv.Capped = min(len(set), MaxReplay), len(set) > MaxReplay
	c.render(w, req, status, "replay", v)
}

// startReplay starts a job that replays the filter's events.
func (c *Console) startReplay(w http.ResponseWriter, req *http.Request, v view) {
	again := func(status int, msg string) {
		v.Error = msg
		c.replayPage(w, req, v, status)
	}
	f := readFilter(req.PostForm)
	to := strings.TrimSpace(req.PostFormValue("to"))
	var rate float64
	if s := strings.TrimSpace(req.PostFormValue("rate")); s != "" {
		r, err := strconv.ParseFloat(s, 64)
		if err != nil || r <= 0 {
			again(http.StatusBadRequest, fmt.Sprintf("Rate %q: want a number of events a second above 0, or nothing for no cap.", s))
			return
		}
		rate = r
	}
	if to == "" {
		again(http.StatusBadRequest, "Name the destination: nats:<subject>, kafka:<topic> or an http(s):// URL.")
		return
	}
	ctx, cancel := context.WithTimeout(req.Context(), 30*time.Second)
	defer cancel()
	shown, err := c.cfg.Replayer.Check(ctx, to)
	if err != nil {
		c.cfg.Logger.Warn("console: replay refused", "reason", err, "remote", req.RemoteAddr)
		again(http.StatusBadRequest, "Replay refused: "+err.Error())
		return
	}
	set, err := c.selectSet(ctx, f)
	switch {
	case err != nil:
		again(http.StatusBadRequest, "Counting the events: "+err.Error())
		return
	case len(set) > MaxReplay:
		again(http.StatusBadRequest, fmt.Sprintf("The filter selects more than %d events: narrow it (a shorter time range), or use hubwire replay.", MaxReplay))
		return
	case len(set) == 0:
		again(http.StatusBadRequest, "The filter selects no event: nothing to replay.")
		return
	}
	who := "the console (" + clientAddr(req) + ")"
	j, err := c.jobs.start(f, shown, who, len(set), c.cfg.Clock())
	if err != nil {
		again(http.StatusConflict, err.Error())
		return
	}
	c.cfg.Logger.Info("console: replay started", "job", j.id, "to", shown, "events", len(set), "filter", f.values().Encode(), "remote", req.RemoteAddr)
	go c.runReplay(j, set, to, rate)
	http.Redirect(w, req, fmt.Sprintf("%sreplay/%d", Prefix, j.id), http.StatusSeeOther)
}

// runReplay runs job j to its end. The events written are audited a
// batch at a time beside the replay, which goes on meanwhile (a few
// batches ahead at most); the job ends once both are done.
func (c *Console) runReplay(j *job, set []reply.Record, to string, rate float64) {
	defer close(j.done)
	byID := make(map[string]*reply.Record, len(set))
	for i := range set {
		byID[set[i].ID] = &set[i]
	}
	batches := make(chan []reply.Record, 4)
	audited := make(chan struct{})
	go func() {
		defer close(audited)
		for batch := range batches {
			c.audit(j, batch)
		}
	}()
	var pending []reply.Record
	stopped, err := c.cfg.Replayer.Replay(context.Background(), ReplayRun{
		Set: set, To: to, Rate: rate, Stop: j.stop,
		Written: func(id string) {
			j.written.Add(1)
			if r := byID[id]; r != nil {
				pending = append(pending, *r)
			}
			if len(pending) >= auditBatch {
				batches <- pending
				pending = nil
			}
		},
		Log: j,
	})
	if len(pending) > 0 {
		batches <- pending
	}
	close(batches)
	<-audited
	j.end(stopped, err, c.cfg.Clock())
	log := c.cfg.Logger.Info
	if err != nil {
		log = c.cfg.Logger.Warn
	}
	v := j.view(c.cfg.Clock())
	log("console: replay ended", "job", j.id, "state", v.State, "to", j.dest, "written", v.Written, "events", v.Total, "audited", v.Audited, "took", v.Took, "error", v.Error)
}

// audit notes a batch of j's events in their records.
func (c *Console) audit(j *job, batch []reply.Record) {
	if c.cfg.Auditor == nil {
		return
	}
	entry := reply.AuditEntry{At: c.cfg.Clock(), Action: "replay", Detail: fmt.Sprintf("replay to %s by %s, job %d", j.dest, j.who, j.id)}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.cfg.Auditor.Audit(ctx, batch, entry); err != nil {
		j.auditFailed(len(batch))
		c.cfg.Logger.Warn("console: replayed events not audited", "job", j.id, "events", len(batch), "error", err)
		return
	}
	j.audited.Add(int64(len(batch)))
}

// jobPage shows a job's progress, which its script refreshes.
func (c *Console) jobPage(w http.ResponseWriter, req *http.Request, v view, id int) {
	j := c.jobs.get(id)
	if j == nil {
		c.refuse(w, req, http.StatusNotFound, "no replay job "+strconv.Itoa(id)+" on this replica")
		return
	}
	v.Title = "Replay job " + strconv.Itoa(id)
	v.Job = j.view(c.cfg.Clock())
	switch req.URL.Query().Get("done") {
	case "cancel":
		v.Notice = fmt.Sprintf("Cancelled: %d of %d events were sent.", v.Job.Written, v.Job.Total)
		if v.Job.Running {
			v.Notice = fmt.Sprintf("Cancelling: %d of %d events sent so far; the one being written is finished.", v.Job.Written, v.Job.Total)
		}
	}
	c.render(w, req, http.StatusOK, "job", v)
}

// jobProgress answers the job's progress as JSON, for its page's script.
func (c *Console) jobProgress(w http.ResponseWriter, id int) {
	j := c.jobs.get(id)
	w.Header().Set("Content-Type", "application/json")
	if j == nil {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, "{\"error\":%q}\n", "no replay job "+strconv.Itoa(id)+" on this replica")
		return
	}
	json.NewEncoder(w).Encode(j.view(c.cfg.Clock()))
}

// cancelReplay stops a job between two events, and waits a little for it
// to end, so that the page can say how many were sent.
func (c *Console) cancelReplay(w http.ResponseWriter, req *http.Request, id int) {
	j := c.jobs.get(id)
	if j == nil {
		c.refuse(w, req, http.StatusNotFound, "no replay job "+strconv.Itoa(id)+" on this replica")
		return
	}
	if j.cancel() {
		c.cfg.Logger.Info("console: replay cancelled", "job", id, "remote", req.RemoteAddr)
	}
	select {
	case <-j.done:
	case <-time.After(10 * time.Second):
	case <-req.Context().Done():
	}
	http.Redirect(w, req, fmt.Sprintf("%sreplay/%d?done=cancel", Prefix, id), http.StatusSeeOther)
}

// serveReplay routes /console/replay and /console/replay/<job>[/progress|/cancel].
func (c *Console) serveReplay(w http.ResponseWriter, req *http.Request, v view, rest string) {
	if c.cfg.Replayer == nil {
		c.refuse(w, req, http.StatusNotFound, "replay is off")
		return
	}
	post := req.Method == http.MethodPost
	if rest == "" {
		if post {
			c.startReplay(w, req, v)
			return
		}
		c.replayPage(w, req, v, http.StatusOK)
		return
	}
	num, action, _ := strings.Cut(rest, "/")
	id, err := strconv.Atoi(num)
	switch {
	case err != nil:
		c.refuse(w, req, http.StatusNotFound, "no such page")
	case action == "" && !post:
		c.jobPage(w, req, v, id)
	case action == "progress" && !post:
		c.jobProgress(w, id)
	case action == "cancel" && post:
		c.cancelReplay(w, req, id)
	default:
		c.refuse(w, req, http.StatusNotFound, "no such page")
	}
}

// replayLink is the replay page of the list's filter.
func replayLink(f filter) string {
	v := f.values()
	if len(v) == 0 {
		return Prefix + "replay"
	}
	return Prefix + "replay?" + v.Encode()
}
