package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/server"
	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/adapter/reply"
)

func noEnv(string) string { return "" }

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// startHubwire runs hubwire serve in-process on free loopback ports, as
// the command would with these flags.
func startHubwire(t *testing.T, dataDir string, flags ...string) *server.Server {
	t.Helper()
	args := append([]string{"--http-addr", "127.0.0.1:0", "--nats-addr", "127.0.0.1:0", "--data-dir", dataDir}, flags...)
	cfg, err := parseServe(args, io.Discard, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := start(context.Background(), cfg, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inst.Shutdown(context.Background()) })
	return inst
}

// fixture is one sample delivery of a registry, as the registry sends it.
type fixture struct {
	source, name string
	body         []byte
	header       http.Header
	query        url.Values
}

// fixtures are every sample delivery of every registry.
func fixtures(t *testing.T) []fixture {
	t.Helper()
	var out []fixture
	for _, reg := range all.Registries {
		for _, name := range reg.SampleNames() {
			d, err := reg.SampleDelivery(name)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fixture{reg.Name, name + ".json", d.Body, d.Header, d.Query})
		}
	}
	if len(out) < 20 {
		t.Fatalf("only %d fixtures", len(out))
	}
	return out
}

// deliver posts body, the fixture's or another, to inst as the registry
// sends the fixture: its headers, its query.
func (f fixture) deliver(t *testing.T, inst *server.Server, body []byte) answer {
	t.Helper()
	url := inst.WebhookURL(f.source)
	if len(f.query) > 0 {
		url += "?" + f.query.Encode()
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range f.header {
		req.Header[k] = v
	}
	return do(t, req)
}

// receipts are the events an answer names: the answer itself for a
// delivery of one event, its "events" for one of several.
func receipts(a answer) []map[string]any {
	events, ok := a.body["events"].([]any)
	if !ok {
		return []map[string]any{a.body}
	}
	out := make([]map[string]any, 0, len(events))
	for _, e := range events {
		out = append(out, e.(map[string]any))
	}
	return out
}

// freshen sets a sample's time of occurrence to now, as hubwire send does.
func freshen(body []byte, source string, now time.Time) []byte {
	reg, _ := all.Registries.Get(source)
	return reg.Freshen(body, now)
}

// globalType reports whether the registry source lists ceType as an event
// of no repository (DTR's scanner update).
func globalType(source, ceType string) bool {
	reg, _ := all.Registries.Get(source)
	typ, _ := reg.Type(ceType)
	return typ.Global
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func post(t *testing.T, url, contentType string, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &a.body); err != nil {
		t.Fatalf("%s %s: %d with a body that is not JSON: %q", req.Method, req.URL.Path, resp.StatusCode, raw)
	}
	return a
}

func contains(s any, sub string) bool {
	str, _ := s.(string)
	return strings.Contains(str, sub)
}

// externalBroker starts a NATS server with JetStream that hubwire does not
// own, as --broker would name, and stops it when the test ends.
func externalBroker(t *testing.T) *natsserver.Server {
	t.Helper()
	return startNATS(t, &natsserver.Options{})
}

// startNATS starts a nats-server with JetStream on a free loopback port,
// with the given options (authentication, TLS) on top.
func startNATS(t *testing.T, opts *natsserver.Options) *natsserver.Server {
	t.Helper()
	opts.Host, opts.Port, opts.JetStream, opts.StoreDir, opts.NoLog, opts.NoSigs = "127.0.0.1", natsserver.RANDOM_PORT, true, t.TempDir(), true, true
	srv, err := natsserver.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS server did not start")
	}
	return srv
}

// getRecord reads GET /api/events/<id> with the token, as an operator would.
func getRecord(inst *server.Server, id string) (reply.Record, error) {
	var rec reply.Record
	req, err := http.NewRequest(http.MethodGet, inst.PublicURL()+"/api/events/"+id, nil)
	if err != nil {
		return rec, err
	}
	req.Header.Set("Authorization", "Bearer "+inst.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return rec, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return rec, fmt.Errorf("GET /api/events/%s: %d %s", id, resp.StatusCode, b)
	}
	return rec, json.NewDecoder(resp.Body).Decode(&rec)
}

// servedCommand is hubwire serve run as a user runs it, through run().
type servedCommand struct {
	printed string            // what it printed up to "Schemas:"
	hooks   map[string]string // the webhook URLs it printed, by source
	stop    func() int        // stops it as a signal would; returns the exit status
}

// runServe starts `hubwire serve args…` with the given environment and
// stderr, and reads its startup output.
func runServe(t *testing.T, args []string, environ map[string]string, stderr io.Writer) servedCommand {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, append([]string{"serve"}, args...), pw, stderr, func(k string) string { return environ[k] })
		pw.Close()
	}()
	s := servedCommand{hooks: map[string]string{}}
	var printed strings.Builder
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		line := lines.Text()
		printed.WriteString(line + "\n")
		for _, source := range []string{"Docker Hub:", "DTR:"} {
			if url, ok := strings.CutPrefix(strings.TrimSpace(line), source); ok {
				s.hooks[map[string]string{"Docker Hub:": "dockerhub", "DTR:": "dtr"}[source]] = strings.TrimSpace(url)
			}
		}
		if strings.HasPrefix(line, "Schemas:") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	s.printed = printed.String()
	s.stop = func() int {
		cancel()
		select {
		case code := <-exit:
			return code
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop within 30s of its stop signal")
			return -1
		}
	}
	t.Cleanup(func() { cancel() })
	return s
}
