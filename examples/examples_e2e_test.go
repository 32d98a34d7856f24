//go:build unix

// Package examples_test runs the examples as a user would: a real hubwire
// serve (the built binary), every sample delivery posted to it, and the Go,
// JavaScript and shell consumers reading the events, decoding them with the
// CloudEvents SDKs and acking them. What they print is checked against the
// stream itself, and their acks against hubwire's delivery records.
package examples_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/hubwire/hubwire/adapter/dockerhub"
	"github.com/hubwire/hubwire/adapter/dtr"
	natssink "github.com/hubwire/hubwire/sinks/nats"
)

const token = "examples-e2e-token-0123456789"

// bin holds the binaries TestMain builds: hubwire and the Go consumer.
var bin struct{ hubwire, consumer string }

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hubwire-examples-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin.hubwire = filepath.Join(dir, "hubwire")
	bin.consumer = filepath.Join(dir, "consumer")
	// One go build: both binaries link at once, named after their packages.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	build := exec.CommandContext(ctx, "go", "build", "-o", dir+string(filepath.Separator), "./cmd/hubwire", "./examples/go/consumer")
	build.Dir = ".."
	out, err := build.CombinedOutput()
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needNode fails (never skips) when the JavaScript examples cannot run.
func needNode(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed: install Node.js 20 or later (CI's .ci/run installs it with apt)")
	}
	if _, err := os.Stat("js/node_modules/@nats-io/transport-node"); err != nil {
		t.Fatal("examples/js/node_modules is missing: run `make test`, or `npm ci --prefix examples/js`")
	}
}

// haveKcat reports whether the shell example can run: it needs kcat and
// jq. Without them it is left out here, and fails in CI, which has both.
func haveKcat(t *testing.T) bool {
	t.Helper()
	for _, tool := range []string{"kcat", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed; .ci/run installs kcat, and jq comes with the machine", tool)
			}
			t.Logf("%s is not installed (apt-get install kcat jq): the shell example is left out; CI runs it", tool)
			return false
		}
	}
	return true
}

// proc is a running example (or hubwire), its output collected by line.
type proc struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	mu     sync.Mutex
	out    []string // standard output, line by line
	errs   []string // standard error
	change chan struct{}
	done   chan struct{}
	err    error
}

// start runs name with args, bounded by ctx: at its end the process gets
// SIGINT, and SIGKILL 5s later. It runs in a process group of its own, so
// that the signals reach a script's commands too.
func start(t *testing.T, ctx context.Context, label string, env []string, name string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: label, change: make(chan struct{}, 1), done: make(chan struct{})}
	p.cmd = exec.CommandContext(ctx, name, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p.cmd.Cancel = func() error { return syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT) }
	p.cmd.WaitDelay = 5 * time.Second
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", label, err)
	}
	var reading sync.WaitGroup
	reading.Add(2)
	go p.collect(stdout, &p.out, &reading)
	go p.collect(stderr, &p.errs, &reading)
	go func() {
		reading.Wait()
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.interrupt()
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		}
		if t.Failed() {
			t.Logf("%s: standard error:\n%s", label, strings.Join(p.stderr(), "\n"))
		}
	})
	return p
}

func (p *proc) collect(r io.Reader, into *[]string, wg *sync.WaitGroup) {
	defer wg.Done()
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64<<10), 16<<20)
	for s.Scan() {
		p.mu.Lock()
		*into = append(*into, s.Text())
		p.mu.Unlock()
		select {
		case p.change <- struct{}{}:
		default:
		}
	}
}

func (p *proc) stdout() []string { p.mu.Lock(); defer p.mu.Unlock(); return slices.Clone(p.out) }
func (p *proc) stderr() []string { p.mu.Lock(); defer p.mu.Unlock(); return slices.Clone(p.errs) }

func (p *proc) interrupt() {
	if p.cmd.Process != nil {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT)
	}
}

// waitFor waits until ok holds for the output, or the process ends, or
// the time is up; it reports whether ok held.
func (p *proc) waitFor(timeout time.Duration, ok func(out, errs []string) bool) bool {
	deadline := time.After(timeout)
	for {
		if ok(p.stdout(), p.stderr()) {
			return true
		}
		select {
		case <-p.change:
		case <-p.done:
			return ok(p.stdout(), p.stderr())
		case <-deadline:
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// wait waits for the process to end and fails the test unless it exited 0.
func (p *proc) wait(timeout time.Duration) {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.t.Fatalf("%s did not finish within %v; it printed %d lines; standard error:\n%s", p.name, timeout, len(p.stdout()), strings.Join(p.stderr(), "\n"))
	}
	if p.err != nil {
		p.t.Fatalf("%s: %v; standard error:\n%s", p.name, p.err, strings.Join(p.stderr(), "\n"))
	}
}

func hasLine(prefix string) func(out, errs []string) bool {
	return func(_, errs []string) bool {
		return slices.ContainsFunc(errs, func(l string) bool { return strings.HasPrefix(l, prefix) })
	}
}

// hub is a running hubwire serve.
type hub struct {
	*proc
	httpURL, natsURL string
	// dataDir holds the NATS password hubwire generated; the consumers
	// read it as a user's would, from <data-dir>/nats-password.
	dataDir, passwordFile string
}

// serve runs the hubwire binary on free loopback ports and reads the URLs
// it prints.
func serve(t *testing.T, ctx context.Context, flags ...string) *hub {
	t.Helper()
	dataDir := t.TempDir()
	args := append([]string{"serve", "--http-addr", "127.0.0.1:0", "--nats-addr", "127.0.0.1:0",
		"--data-dir", dataDir, "--token", token,
		// The Hub samples' callback_urls name example.invalid; allow only
		// another host that does not exist, so that those callbacks are
		// refused and nothing leaves this machine.
		"--callback-allow-host", "callbacks.invalid"}, flags...)
	h := &hub{proc: start(t, ctx, "hubwire serve", nil, bin.hubwire, args...), dataDir: dataDir, passwordFile: filepath.Join(dataDir, "nats-password")}
	ready := h.waitFor(30*time.Second, func(out, _ []string) bool {
		return slices.ContainsFunc(out, func(l string) bool { return strings.HasPrefix(l, "Schemas:") })
	})
	if !ready {
		t.Fatalf("hubwire serve is not ready; it printed:\n%s\n%s", strings.Join(h.stdout(), "\n"), strings.Join(h.stderr(), "\n"))
	}
	for _, l := range h.stdout() {
		f := strings.Fields(l)
		switch {
		case len(f) == 3 && f[0] == "Docker" && f[1] == "Hub:":
			// The token was given (--token), so serve masks it.
			h.httpURL = strings.TrimSuffix(f[2], "/hooks/dockerhub/<token>")
		case len(f) > 5 && f[0] == "Watch" && f[3] == "nats" && f[4] == "--server":
			h.natsURL = f[5]
		}
	}
	if h.httpURL == "" {
		t.Fatalf("no webhook URL in:\n%s", strings.Join(h.stdout(), "\n"))
	}
	return h
}

// delivery is a posted sample and hubwire's 202 answer.
type delivery struct {
	source, sample string
	ID             string `json:"id"`
	Type           string `json:"type"`
	Source         string `json:"source"`
	Subject        string `json:"subject"`
	Duplicate      bool   `json:"duplicate"`
}

// oddTag has what the NATS binding must percent-encode in a header: a
// space, a quote, a percent sign and a letter outside ASCII.
const oddTag = `v1 "rc" 100% é`

// postSamples posts every sample delivery of both registries, and one with
// an odd tag, and returns hubwire's answers.
func postSamples(t *testing.T, h *hub) []delivery {
	t.Helper()
	var out []delivery
	send := func(source, sample string, body []byte) {
		resp, err := http.Post(h.httpURL+"/hooks/"+source+"/"+token, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		d := delivery{source: source, sample: sample}
		if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || resp.StatusCode != http.StatusAccepted {
			t.Fatalf("%s/%s: %d %v", source, sample, resp.StatusCode, err)
		}
		out = append(out, d)
	}
	for source, fsys := range map[string]fs.FS{"dockerhub": dockerhub.Samples, "dtr": dtr.Samples} {
		entries, err := fs.ReadDir(fsys, "samples")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			body, _ := fs.ReadFile(fsys, "samples/"+e.Name())
			send(source, e.Name(), body)
		}
	}
	odd, _ := json.Marshal(map[string]any{"type": "TAG_PUSH", "createdAt": "2026-01-02T03:04:05.123456789Z",
		"contents": map[string]any{"namespace": "odd", "repository": "app", "tag": oddTag, "imageName": "odd/app:" + oddTag,
			"digest": "sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c", "os": "linux", "architecture": "amd64", "author": "admin"}})
	send("dtr", "odd tag", odd)
	if len(out) < 25 {
		t.Fatalf("only %d deliveries", len(out))
	}
	return out
}

// ref is an event as the broker holds it, read without the examples.
type ref struct {
	ID, Type, Source, Subject string
	Time                      time.Time
	Repository                string
	// Data is the event's data. On Kafka, where a repeated delivery is
	// stored again, copies of one event may differ in what the id does
	// not cover (a Hub push's image list): any of them is right.
	Data [][]byte
}

// unique are the events the deliveries became: repeats of a delivery
// share an id.
func unique(ds []delivery) map[string]delivery {
	m := map[string]delivery{}
	for _, d := range ds {
		m[d.ID] = d
	}
	return m
}

// readStream reads every event in the stream with hubwire's own decoder.
func readStream(t *testing.T, ctx context.Context, h *hub, n int) map[string]ref {
	t.Helper()
	pw, err := os.ReadFile(h.passwordFile)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := natsgo.Connect(h.natsURL, natsgo.UserInfo("hubwire", strings.TrimSpace(string(pw))))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	c, err := js.OrderedConsumer(ctx, "HUBWIRE_EVENTS", jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := c.Fetch(n, jetstream.FetchMaxWait(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	refs := map[string]ref{}
	for m := range batch.Messages() {
		e, err := natssink.ToEvent(ctx, &natsgo.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()})
		if err != nil {
			t.Fatal(err)
		}
		refs[e.ID()] = refOf(e)
	}
	if len(refs) != n {
		t.Fatalf("the stream has %d events; want %d", len(refs), n)
	}
	return refs
}

func refOf(e *event.Event) ref {
	repo, _ := e.Extensions()["repository"].(string)
	return ref{e.ID(), e.Type(), e.Source(), e.Subject(), e.Time(), repo, [][]byte{e.Data()}}
}

// printed is an event as an example printed it: the CloudEvent as JSON,
// its extensions beside the attributes.
type printed struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Source     string          `json:"source"`
	Subject    string          `json:"subject"`
	Time       time.Time       `json:"time"`
	Spec       string          `json:"specversion"`
	Repository string          `json:"repository"`
	Data       json.RawMessage `json:"data"`
}

// checkPrinted checks every line an example printed against the events in
// the broker, and returns how many times it printed each id.
func checkPrinted(t *testing.T, who string, lines []string, want map[string]ref) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for _, l := range lines {
		var p printed
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			t.Errorf("%s printed %q: %v", who, l, err)
			continue
		}
		seen[p.ID]++
		r, ok := want[p.ID]
		switch {
		case !ok:
			t.Errorf("%s printed an event hubwire did not store: %s", who, l)
			continue
		case p.Type != r.Type || p.Source != r.Source || p.Subject != r.Subject || p.Spec != "1.0" || p.Repository != r.Repository:
			t.Errorf("%s decoded %s as type %q source %q subject %q specversion %q repository %q; want %q %q %q 1.0 %q",
				who, p.ID, p.Type, p.Source, p.Subject, p.Spec, p.Repository, r.Type, r.Source, r.Subject, r.Repository)
		case p.Time.Sub(r.Time).Abs() >= time.Millisecond: // JavaScript's Date keeps milliseconds
			t.Errorf("%s decoded %s with time %v; want %v", who, p.ID, p.Time, r.Time)
		}
		if !slices.ContainsFunc(r.Data, func(d []byte) bool { return sameJSON(p.Data, d) }) {
			t.Errorf("%s decoded the data of %s as\n%s\nwant\n%s", who, p.ID, p.Data, bytes.Join(r.Data, []byte("\nor\n")))
		}
	}
	return seen
}

func sameJSON(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// checkAll checks that an example printed every event exactly once.
func checkAll(t *testing.T, who string, lines []string, want map[string]ref) {
	t.Helper()
	seen := checkPrinted(t, who, lines, want)
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("%s printed event %s (%s) %d times; want once", who, id, want[id].Type, seen[id])
		}
	}
}

// checkAcksTaken checks the examples' lines saying hubwire took each ack.
func checkAcksTaken(t *testing.T, who string, errs []string, ids map[string]ref) {
	t.Helper()
	for id := range ids {
		if !slices.Contains(errs, "ack "+id+": taken by hubwire") {
			t.Errorf("%s did not print that hubwire took its ack of %s", who, id)
		}
	}
}

// waitAcks waits until hubwire's record of every event (GET
// /api/events/<id>) holds a success ack from each consumer.
func waitAcks(t *testing.T, h *hub, ids map[string]ref, consumers ...string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for id := range ids {
		for {
			missing := missingAcks(t, h, id, consumers)
			if len(missing) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("GET /api/events/%s has no ack from %v", id, missing)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func missingAcks(t *testing.T, h *hub, id string, consumers []string) []string {
	req, _ := http.NewRequest(http.MethodGet, h.httpURL+"/api/events/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rec struct {
		Acks []struct{ Consumer, State string }
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&rec) != nil {
		return consumers
	}
	var missing []string
	for _, c := range consumers {
		if !slices.ContainsFunc(rec.Acks, func(a struct{ Consumer, State string }) bool { return a.Consumer == c && a.State == "success" }) {
			missing = append(missing, c)
		}
	}
	return missing
}

func types(refs map[string]ref) []string {
	var ts []string
	for _, r := range refs {
		if !slices.Contains(ts, r.Type) {
			ts = append(ts, r.Type)
		}
	}
	slices.Sort(ts)
	return ts
}

// TestNATSConsumers runs hubwire with its embedded NATS and the Go and
// JavaScript consumers: two instances of one durable split the events,
// two consumers with durables of their own, started after the events were
// stored, each replay all of them, and every ack reaches hubwire.
func TestNATSConsumers(t *testing.T) {
	t.Parallel()
	needNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second) // a bound; it takes 5-15s
	defer cancel()
	h := serve(t, ctx)
	nats := []string{"--server", h.natsURL, "--password-file", h.passwordFile}

	// Load balancing: two instances of the durable "workers", one in Go
	// and one in JavaScript, running before the events arrive.
	workers := []*proc{
		start(t, ctx, "Go worker", nil, bin.consumer, append(nats, "--durable", "workers")...),
		nil,
	}
	if !workers[0].waitFor(30*time.Second, hasLine("reading HUBWIRE_EVENTS")) {
		t.Fatalf("the Go worker did not start: %v", workers[0].stderr())
	}
	workers[1] = start(t, ctx, "JS worker", nil, "node", append([]string{"js/nats-consumer.js"}, append(nats, "--durable", "workers")...)...)
	if !workers[1].waitFor(30*time.Second, hasLine("reading HUBWIRE_EVENTS")) {
		t.Fatalf("the JS worker did not start: %v", workers[1].stderr())
	}

	deliveries := postSamples(t, h)
	stored := unique(deliveries)
	want := readStream(t, ctx, h, len(stored))
	if ts := types(want); len(ts) < 16 {
		t.Fatalf("the samples make only %d event types: %v", len(ts), ts)
	}

	// Fan-out and replay: a Go and a JavaScript consumer, each with a
	// durable of its own, started after every event was stored.
	n := fmt.Sprint(len(stored))
	goTeam := start(t, ctx, "Go consumer", nil, bin.consumer, append(nats, "--durable", "team-go", "--count", n)...)
	jsTeam := start(t, ctx, "JS consumer", []string{"NATS_URL=" + h.natsURL, "NATS_PASSWORD_FILE=" + h.passwordFile, "DURABLE=team-js"}, "node", "js/nats-consumer.js", "--count", n)
	// A filter: only Docker Hub's events.
	var hubEvents int
	for _, r := range want {
		if strings.HasPrefix(r.Type, "com.docker.hub.") {
			hubEvents++
		}
	}
	hubOnly := start(t, ctx, "Go consumer, Hub only", nil, bin.consumer,
		append(nats, "--durable", "hub-only", "--filter", "hubwire.events.dockerhub.>", "--count", fmt.Sprint(hubEvents))...)

	// The workers are done when they have answered for every event: each
	// prints the event, then a line about its ack.
	allSplit := func(_, _ []string) bool {
		total := 0
		for _, w := range workers {
			for _, l := range w.stderr() {
				if strings.HasPrefix(l, "ack ") {
					total++
				}
			}
		}
		return total >= len(stored)
	}
	if !workers[0].waitFor(30*time.Second, allSplit) {
		t.Errorf("the workers printed %d and %d events; want %d together", len(workers[0].stdout()), len(workers[1].stdout()), len(stored))
	}
	time.Sleep(300 * time.Millisecond) // time for a wrong second delivery to show
	for _, w := range workers {
		w.interrupt()
	}
	for _, w := range workers {
		w.wait(10 * time.Second)
	}
	split := map[string]int{}
	for _, w := range workers {
		seen := checkPrinted(t, w.name, w.stdout(), want)
		if len(seen) == 0 {
			t.Errorf("%s got no event: the durable did not split the work", w.name)
		}
		for id, c := range seen {
			split[id] += c
		}
		checkAcksTaken(t, w.name, w.stderr(), seen2refs(seen, want))
	}
	for id, r := range want {
		if split[id] != 1 {
			t.Errorf("the workers printed %s (%s) %d times together; want once", id, r.Type, split[id])
		}
	}
	t.Logf("the Go and JS workers split %d events: %d and %d", len(want), len(workers[0].stdout()), len(workers[1].stdout()))

	for _, p := range []*proc{goTeam, jsTeam, hubOnly} {
		p.wait(30 * time.Second)
	}
	checkAll(t, goTeam.name, goTeam.stdout(), want)
	checkAll(t, jsTeam.name, jsTeam.stdout(), want)
	checkAcksTaken(t, goTeam.name, goTeam.stderr(), want)
	checkAcksTaken(t, jsTeam.name, jsTeam.stderr(), want)
	hubSeen := checkPrinted(t, hubOnly.name, hubOnly.stdout(), want)
	for id := range hubSeen {
		if !strings.HasPrefix(want[id].Type, "com.docker.hub.") {
			t.Errorf("the Hub-only consumer got %s (%s)", id, want[id].Type)
		}
	}
	if len(hubSeen) != hubEvents {
		t.Errorf("the Hub-only consumer got %d events; want %d", len(hubSeen), hubEvents)
	}
	var oddSubject bool
	for _, l := range jsTeam.stdout() {
		oddSubject = oddSubject || strings.Contains(l, `"subject":"odd/app:v1 \"rc\" 100% é"`)
	}
	if !oddSubject {
		t.Error("the JS consumer did not percent-decode the subject of the odd delivery")
	}

	// The shell: hubwire ack, as examples/README.md shows it.
	var some string
	for id := range want {
		some = id
		break
	}
	ack := exec.CommandContext(ctx, bin.hubwire, "ack", some, "--broker", h.natsURL, "--data-dir", h.dataDir, "--consumer", "shell", "--state", "success",
		"--description", "looked at it by hand")
	if out, err := ack.CombinedOutput(); err != nil || !strings.Contains(string(out), "ack for "+some+" taken") {
		t.Errorf("hubwire ack: %v\n%s", err, out)
	}

	waitAcks(t, h, want, "workers", "team-go", "team-js")
	waitAcks(t, h, map[string]ref{some: want[some]}, "shell")
}

func seen2refs(seen map[string]int, want map[string]ref) map[string]ref {
	m := map[string]ref{}
	for id := range seen {
		m[id] = want[id]
	}
	return m
}

// TestKafkaConsumers runs hubwire against an in-process Kafka cluster, the
// JavaScript consumer (kafkajs and the SDK's Kafka binding) and the shell
// consumer (kcat), each in a consumer group of its own started after the
// events were stored, and checks that both printed every event and that
// their ack records reached hubwire.
func TestKafkaConsumers(t *testing.T) {
	t.Parallel()
	needNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second) // a bound; it takes 5-15s
	defer cancel()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close) // after hubwire's (cleanups run last first)
	broker := c.ListenAddrs()[0]
	h := serve(t, ctx, "--broker", "kafka://"+broker, "--kafka-create-topics", "--kafka-partitions", "4")

	deliveries := postSamples(t, h)
	stored := unique(deliveries)
	want := readTopic(t, ctx, broker, len(deliveries))
	if len(want) != len(stored) {
		t.Fatalf("the topic has %d events; want %d", len(want), len(stored))
	}

	began := time.Now()
	js := start(t, ctx, "JS Kafka consumer", []string{"KAFKA_BROKERS=" + broker, "GROUP=js-kafka"},
		"node", "js/kafka-consumer.js", "--count", fmt.Sprint(len(stored)))
	consumers := []string{"js-kafka"}
	var shell *proc
	if haveKcat(t) {
		shell = start(t, ctx, "kcat consumer", []string{"KAFKA_BROKERS=" + broker, "GROUP=kcat-shell", "COUNT=" + fmt.Sprint(len(deliveries))},
			"sh", "shell/kcat-consumer.sh")
		consumers = append(consumers, "kcat-shell")
	}

	js.wait(40 * time.Second)
	t.Logf("%s: %d events in %v", js.name, len(js.stdout()), time.Since(began).Round(time.Millisecond))
	checkAll(t, js.name, js.stdout(), want)
	if ts := types(want); len(ts) < 16 {
		t.Errorf("the samples make only %d event types: %v", len(ts), ts)
	}
	if shell != nil {
		shell.wait(40 * time.Second)
		t.Logf("%s: %d events in %v", shell.name, len(shell.stdout()), time.Since(began).Round(time.Millisecond))
		got := map[string]int{}
		for _, l := range shell.stdout() {
			f := strings.SplitN(l, " ", 3)
			if len(f) != 3 || want[f[0]].Type != f[1] || want[f[0]].Subject != f[2] {
				t.Errorf("kcat consumer printed %q", l)
				continue
			}
			got[f[0]]++
		}
		for id := range want {
			if got[id] != 1 {
				t.Errorf("kcat consumer printed %s %d times; want once", id, got[id])
			}
		}
	}
	waitAcks(t, h, want, consumers...)
	t.Logf("acks recorded after %v", time.Since(began).Round(time.Millisecond))
}

// readTopic reads n records of hubwire.events with kafka-go, as they are
// on the wire: the ce_ headers and the value.
func readTopic(t *testing.T, ctx context.Context, broker string, n int) map[string]ref {
	t.Helper()
	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: []string{broker}, GroupID: "reference", Topic: "hubwire.events", MaxWait: 100 * time.Millisecond})
	defer r.Close()
	refs := map[string]ref{}
	for range n {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("reading hubwire.events: %v", err)
		}
		h := map[string]string{}
		for _, kv := range m.Headers {
			h[kv.Key] = string(kv.Value)
		}
		tm, err := time.Parse(time.RFC3339Nano, h["ce_time"])
		if err != nil {
			t.Fatal(err)
		}
		r := refs[h["ce_id"]]
		refs[h["ce_id"]] = ref{h["ce_id"], h["ce_type"], h["ce_source"], h["ce_subject"], tm, h["ce_repository"], append(r.Data, m.Value)}
	}
	return refs
}
