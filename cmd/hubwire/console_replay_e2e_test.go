package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/server"
)

// startHubwireLogged is startHubwire with its log, as JSON, in log.
func startHubwireLogged(t *testing.T, log *syncBuffer, flags ...string) *server.Server {
	t.Helper()
	args := append([]string{"--http-addr", "127.0.0.1:0", "--nats-addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, flags...)
	cfg, err := parseServe(args, io.Discard, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := start(context.Background(), cfg, slog.New(slog.NewJSONHandler(log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inst.Shutdown(context.Background()) })
	return inst
}

// consoleUser is a signed-in console session driven over HTTP, as a
// script would: it follows no redirect.
type consoleUser struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func signIn(t *testing.T, inst *server.Server) *consoleUser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	u := &consoleUser{t: t, base: inst.PublicURL() + "/console/",
		c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	resp, err := u.c.PostForm(u.base+"login", url.Values{"token": {inst.Token()}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, page := u.get("")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the list:\n%.500s", page)
	}
	u.csrf = m[1]
	return u
}

func (u *consoleUser) get(path string) (int, string) {
	u.t.Helper()
	resp, err := u.c.Get(u.base + path)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// post sends a form with the session's CSRF token (unless form has one).
func (u *consoleUser) post(path string, form url.Values) (int, string, string) {
	u.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", u.csrf)
	}
	resp, err := u.c.PostForm(u.base+path, form)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// replayJob is a job's progress, as its page's script reads it.
type replayJob struct {
	ID       int      `json:"id"`
	State    string   `json:"state"`
	Running  bool     `json:"running"`
	To       string   `json:"to"`
	Written  int      `json:"written"`
	Audited  int      `json:"audited"`
	Total    int      `json:"total"`
	Warnings int      `json:"warnings"`
	Messages []string `json:"messages"`
	Error    string   `json:"error"`
}

func (u *consoleUser) job(link string) replayJob {
	u.t.Helper()
	status, body := u.get(strings.TrimPrefix(link, "/console/") + "/progress")
	var j replayJob
	if status != http.StatusOK || json.Unmarshal([]byte(body), &j) != nil {
		u.t.Fatalf("progress of %s: %d %s", link, status, body)
	}
	return j
}

// startReplay posts the replay form of filter to `to`, and returns the
// job's page.
func (u *consoleUser) startReplay(filter url.Values, to string) string {
	u.t.Helper()
	form := url.Values{"to": {to}}
	for k, v := range filter {
		form[k] = v
	}
	status, loc, body := u.post("replay", form)
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/replay/") {
		u.t.Fatalf("starting a replay to %s: %d %s\n%.800s", to, status, loc, body)
	}
	return loc
}

func (u *consoleUser) waitJob(link string) replayJob {
	u.t.Helper()
	var j replayJob
	waitFor(u.t, "replay "+link+" to end", func() bool { j = u.job(link); return !j.Running })
	return j
}

// eventReceiver is an HTTP receiver of replayed events: the ce-id of each.
type eventReceiver struct {
	*httptest.Server
	mu  sync.Mutex
	ids []string
	// gate, when set, is called with the request's number (1, 2, …)
	// before it is answered, and says its status (0: 204).
	gate func(n int) int
}

func newEventReceiver(t *testing.T) *eventReceiver {
	r := &eventReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.ids = append(r.ids, req.Header.Get("ce-id"))
		n, gate := len(r.ids), r.gate
		r.mu.Unlock()
		status := 0
		if gate != nil {
			status = gate(n)
		}
		if status == 0 {
			status = http.StatusNoContent
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *eventReceiver) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ids)
}

// listIDs are the ids GET /api/events lists for filter.
func listIDs(t *testing.T, inst *server.Server, filter url.Values) []string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, inst.PublicURL()+"/api/events?limit=1000&"+filter.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+inst.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct{ Events []reply.Record }
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range page.Events {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	return ids
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

var replayCount = regexp.MustCompile(`id="replay-count">([^<]*)<`)

// checkReplayAudit checks that each event of ids has its job's audit
// entry, naming the destination's host and not its path.
func checkReplayAudit(t *testing.T, inst *server.Server, ids []string, job string, secret string) {
	t.Helper()
	for _, id := range ids {
		var rec reply.Record
		waitFor(t, "the audit of "+id, func() bool {
			var err error
			rec, err = getRecord(inst, id)
			return err == nil && slices.ContainsFunc(rec.Audit, func(a reply.AuditEntry) bool { return strings.HasSuffix(a.Detail, job) })
		})
		for _, a := range rec.Audit {
			if a.Action == "replay" && (!strings.Contains(a.Detail, "by the console (127.0.0.1)") || strings.Contains(a.Detail, secret)) {
				t.Errorf("%s audit %+v", id, a)
			}
		}
	}
}

// TestConsoleReplay replays filtered sets from the console on the
// embedded NATS: the preview counts what the filter lists, each event
// arrives once at an HTTP receiver or on a subject, every event replayed
// (recorded or not) is audited, Cancel stops between two events, and a
// destination outside the rules, or hubwire's own, is refused.
func TestConsoleReplay(t *testing.T) {
	var log syncBuffer
	inst := startHubwireLogged(t, &log, allowTestCallbacks...)
	cb := newRegistryCallbacks(t, 200)
	for _, tag := range []string{"r1", "r2", "r3", "r4"} {
		deliver(t, inst, hubDelivery(t, cb.URL, tag))
	}
	now := time.Now()
	for _, f := range fixtures(t) {
		if f.source == "dtr" || f.source == "quay" {
			if a := f.deliver(t, inst, freshen(f.body, f.source, now)); a.status != http.StatusAccepted && a.status != http.StatusOK {
				t.Fatalf("%s %s: %d %v", f.source, f.name, a.status, a.body)
			}
		}
	}
	hub := url.Values{"registry": {"dockerhub"}}
	hubIDs := listIDs(t, inst, hub)
	dtrIDs := listIDs(t, inst, url.Values{"registry": {"dtr"}})
	if len(hubIDs) != 4 || len(dtrIDs) < 2 {
		t.Fatalf("listed %d dockerhub and %d dtr events", len(hubIDs), len(dtrIDs))
	}
	u := signIn(t, inst)

	// The list links to the replay of its filter; the preview counts.
	if _, page := u.get("?registry=dockerhub"); !strings.Contains(page, `href="/console/replay?registry=dockerhub" id="replay-link"`) {
		t.Errorf("the list does not link to its replay:\n%.2000s", page)
	}
	_, page := u.get("replay?registry=dockerhub")
	if m := replayCount.FindStringSubmatch(page); m == nil || m[1] != "4" {
		t.Fatalf("the preview counts %v:\n%.3000s", m, page)
	}
	for _, want := range []string{"registry=dockerhub", "newest 100000 messages of stream HUBWIRE_EVENTS", "at most 10000 events"} {
		if !strings.Contains(page, want) {
			t.Errorf("the preview lacks %q", want)
		}
	}

	const secret = "s3cret-path-4711"
	// Refused: a host off the allowlist, hubwire's own stream and
	// subjects, the server's API; without a session or a CSRF token.
	for to, says := range map[string]string{
		"https://ci.example.com/hook/" + secret:     "host &#34;ci.example.com:443&#34; is not allowed (--callback-allow-host",
		"nats:hubwire.events.x.y.acme.api":          "subjects under hubwire.events.&gt; are hubwire&#39;s own",
		"nats:hubwire.acks.0123":                    "subjects under hubwire.acks.&gt; are hubwire&#39;s own",
		"nats:$JS.API.STREAM.DELETE.HUBWIRE_EVENTS": "subjects that begin with $ or _ are the server&#39;s",
		"kafka:elsewhere":                           "which is NATS",
		"ftp://example.com/":                        "want nats:&lt;subject&gt; or kafka:&lt;topic&gt; (on hubwire&#39;s broker) or an http(s):// URL",
	} {
		form := url.Values{"to": {to}, "registry": {"dockerhub"}}
		if status, _, body := u.post("replay", form); status != http.StatusBadRequest || !strings.Contains(body, says) || strings.Contains(body, secret) {
			t.Errorf("replay to %s: %d, want 400 saying %q:\n%.300s", to, status, says, body[strings.Index(body, "<main>"):])
		}
	}
	anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, p := range []string{"replay", "replay/1/cancel"} {
		resp, err := anon.PostForm(u.base+p, url.Values{"to": {"nats:replayed"}, "csrf": {u.csrf}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("POST %s without a session: %d", p, resp.StatusCode)
		}
		if status, _, _ := u.post(p, url.Values{"to": {"nats:replayed"}, "csrf": {"0123"}}); status != http.StatusForbidden {
			t.Errorf("POST %s without the CSRF token: %d", p, status)
		}
	}
	for _, p := range []string{"replay?registry=dockerhub", "replay/1", "replay/1/progress"} {
		resp, err := anon.Get(u.base + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without a session: %d", p, resp.StatusCode)
		}
	}

	// To an HTTP receiver: each event once; audited, the URL's path in
	// no page, audit or log.
	rcv := newEventReceiver(t)
	link := u.startReplay(hub, rcv.URL+"/hooks/"+secret)
	if j := u.waitJob(link); j.State != "done" || j.Written != 4 || j.Audited != 4 || j.Total != 4 || j.Error != "" || j.To != rcv.URL {
		t.Errorf("job: %+v", j)
	}
	if got := sorted(rcv.got()); !slices.Equal(got, hubIDs) {
		t.Errorf("the receiver got %v, want %v", got, hubIDs)
	}
	_, jobPage := u.get(strings.TrimPrefix(link, "/console/"))
	if !strings.Contains(jobPage, "Replay job 1") || !strings.Contains(jobPage, ">4</span> of <span id=\"job-total\">4<") {
		t.Errorf("the job's page:\n%.3000s", jobPage)
	}
	checkReplayAudit(t, inst, hubIDs, "job 1", secret)
	if rec := eventRecord(t, inst, hubIDs[0]); !strings.Contains(rec.Audit[len(rec.Audit)-1].Detail, "replay to "+rcv.URL+" by") {
		t.Errorf("audit %+v", rec.Audit)
	}
	started, ended := waitRecord(t, &log, "console: replay started"), waitRecord(t, &log, "console: replay ended")
	if started["to"] != rcv.URL || started["events"] != 4.0 || ended["written"] != 4.0 || ended["state"] != "done" {
		t.Errorf("logged %v and %v", started, ended)
	}
	for _, s := range []string{page, jobPage, log.String()} {
		if strings.Contains(s, secret) || strings.Contains(s, inst.Token()) {
			t.Errorf("a secret shows:\n%.300s", s)
		}
	}

	// To a subject: DTR's events, which had no record, get one with the
	// audit.
	nc, err := natsgo.Connect(natsURLOf(inst))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sub, err := nc.SubscribeSync("replayed.dtr")
	if err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	for _, id := range dtrIDs {
		if _, err := getRecord(inst, id); err != nil {
			t.Fatal(err)
		}
	}
	link = u.startReplay(url.Values{"registry": {"dtr"}}, "nats:replayed.dtr")
	if j := u.waitJob(link); j.State != "done" || j.Written != len(dtrIDs) {
		t.Errorf("job: %+v", j)
	}
	var got []string
	for range dtrIDs {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		got = append(got, m.Header.Get("ce-id"))
	}
	if m, err := sub.NextMsg(200 * time.Millisecond); err == nil {
		t.Errorf("one more: %s", m.Header.Get("ce-id"))
	}
	if !slices.Equal(sorted(got), dtrIDs) {
		t.Errorf("replayed.dtr got %v, want %v", got, dtrIDs)
	}
	checkReplayAudit(t, inst, dtrIDs, "job 2", secret)

	// Cancel while the second event is being posted: it is finished, no
	// third is sent, and the page says how many were. The first, refused
	// once with a 503, is retried, and the page shows the warning. While
	// it runs, no other replay starts.
	inFlight, release := make(chan struct{}), make(chan struct{})
	slow := newEventReceiver(t)
	slow.gate = func(n int) int {
		switch n {
		case 1:
			return http.StatusServiceUnavailable
		case 3:
			close(inFlight)
			<-release
		}
		return 0
	}
	link = u.startReplay(hub, slow.URL+"/"+secret)
	<-inFlight
	if status, _, body := u.post("replay", url.Values{"to": {"nats:replayed.more"}, "registry": {"dockerhub"}}); status != http.StatusConflict || !strings.Contains(body, "Replay job 3 is running") {
		t.Errorf("a second replay while one runs: %d", status)
	}
	if j := u.job(link); j.Warnings != 1 || len(j.Messages) != 1 || !strings.Contains(j.Messages[0], "503 Service Unavailable; retrying") || strings.Contains(j.Messages[0], secret) {
		t.Errorf("the job's warnings: %+v", j)
	}
	cancelled := make(chan string)
	go func() {
		_, loc, _ := u.post(strings.TrimPrefix(link, "/console/")+"/cancel", url.Values{})
		cancelled <- loc
	}()
	waitFor(t, "the job to be cancelling", func() bool { return u.job(link).State == "cancelling" })
	close(release)
	loc := <-cancelled
	if j := u.job(link); j.State != "cancelled" || j.Written != 2 {
		t.Errorf("cancelled job: %+v", j)
	}
	if n := len(slow.got()); n != 3 { // the first twice
		t.Errorf("the receiver got %d requests, want 3", n)
	}
	if _, page := u.get(strings.TrimPrefix(loc, "/console/")); !strings.Contains(page, "Cancelled: 2 of 4 events were sent.") {
		t.Errorf("after the cancel, the page reads:\n%.2000s", page)
	}
}

// TestConsoleReplayKafka replays from the console on Kafka (kfake): the
// preview counts the filter's events, they arrive once at an HTTP
// receiver and on a topic, audited; hubwire's own topics are refused.
func TestConsoleReplayKafka(t *testing.T) {
	c := kafkaCluster(t)
	inst := startHubwire(t, t.TempDir(), kafkaReplyFlags(c)...)
	cb := newRegistryCallbacks(t, 200)
	var ids []string
	for _, tag := range []string{"k1", "k2", "k3"} {
		ids = append(ids, deliver(t, inst, hubDelivery(t, cb.URL, tag)))
	}
	slices.Sort(ids)
	hub := url.Values{"registry": {"dockerhub"}}
	waitFor(t, "the records", func() bool { return len(listIDs(t, inst, hub)) == 3 })
	u := signIn(t, inst)
	_, page := u.get("replay?registry=dockerhub")
	if m := replayCount.FindStringSubmatch(page); m == nil || m[1] != "3" {
		t.Fatalf("the preview counts %v", m)
	}
	for _, to := range []string{"kafka:hubwire.events", "kafka:hubwire.acks", "kafka:hubwire.deliveries"} {
		if status, _, body := u.post("replay", url.Values{"to": {to}, "registry": {"dockerhub"}}); status != http.StatusBadRequest || !strings.Contains(body, "is hubwire&#39;s own") {
			t.Errorf("replay to %s: %d", to, status)
		}
	}

	rcv := newEventReceiver(t)
	link := u.startReplay(hub, rcv.URL+"/hooks/secret")
	if j := u.waitJob(link); j.State != "done" || j.Written != 3 {
		t.Errorf("job: %+v", j)
	}
	if got := sorted(rcv.got()); !slices.Equal(got, ids) {
		t.Errorf("the receiver got %v, want %v", got, ids)
	}
	checkReplayAudit(t, inst, ids, "job 1", "secret")

	// A topic that does not exist fails the job, saying so; created, it
	// takes the events.
	link = u.startReplay(hub, "kafka:replayed")
	if j := u.waitJob(link); j.State != "failed" || j.Written != 0 || !strings.HasPrefix(j.Error, "kafka:replayed: Kafka topic replayed does not exist") {
		t.Errorf("job: %+v", j)
	}
	admin := &kafkago.Client{Addr: kafkago.TCP(c.ListenAddrs()...)}
	if _, err := admin.CreateTopics(context.Background(), &kafkago.CreateTopicsRequest{Topics: []kafkago.TopicConfig{{Topic: "replayed", NumPartitions: 1, ReplicationFactor: 1}}}); err != nil {
		t.Fatal(err)
	}
	link = u.startReplay(hub, "kafka:replayed")
	if j := u.waitJob(link); j.State != "done" || j.Written != 3 {
		t.Fatalf("job: %+v", j)
	}
	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: c.ListenAddrs(), Topic: "replayed", Partition: 0, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	var got []string
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for len(got) < 3 {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		for _, h := range m.Headers {
			if h.Key == "ce_id" {
				got = append(got, string(h.Value))
			}
		}
	}
	if !slices.Equal(sorted(got), ids) {
		t.Errorf("topic replayed got %v, want %v", got, ids)
	}
	checkReplayAudit(t, inst, ids, "job 3", "secret")
}

// TestShutdownWaitsForTheReplay: a hubwire stopped while a console replay
// posts an event finishes that event, sends no other, and notes the ones
// it sent in their records before its broker stops: started again on the
// same data directory, it shows both audited.
func TestShutdownWaitsForTheReplay(t *testing.T) {
	dir := t.TempDir()
	inst := startHubwire(t, dir, allowTestCallbacks...)
	cb := newRegistryCallbacks(t, 200)
	for _, tag := range []string{"s1", "s2", "s3"} {
		deliver(t, inst, hubDelivery(t, cb.URL, tag))
	}
	u := signIn(t, inst)
	inFlight, release := make(chan struct{}), make(chan struct{})
	rcv := newEventReceiver(t)
	rcv.gate = func(n int) int {
		if n == 2 {
			close(inFlight)
			<-release
		}
		return 0
	}
	u.startReplay(url.Values{"registry": {"dockerhub"}}, rcv.URL+"/replayed")
	<-inFlight
	stopped := make(chan error, 1)
	go func() { stopped <- inst.Shutdown(context.Background()) }()
	select {
	case err := <-stopped:
		close(release)
		t.Fatalf("the shutdown ended while the replay's event was in flight (%v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	sent := sorted(rcv.got())
	if len(sent) != 2 {
		t.Fatalf("the receiver got %v, want the two events begun before the shutdown", sent)
	}
	inst = startHubwire(t, dir, allowTestCallbacks...)
	checkReplayAudit(t, inst, sent, "job 1", "replayed")
}
