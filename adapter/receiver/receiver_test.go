package receiver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/adapter/receiver"
	"github.com/hubwire/hubwire/schemas"
	"github.com/hubwire/hubwire/schemas/schematest"
	natssink "github.com/hubwire/hubwire/sinks/nats"
	"github.com/hubwire/hubwire/sinks/store"
)

const token = "0123456789abcdef0123456789abcdef"

// serveReceiver serves a Receiver over real HTTP, storing into a real embedded
// JetStream.
func serveReceiver(t *testing.T, maxBody int64, logs io.Writer) (*httptest.Server, *server.Server) {
	t.Helper()
	return serveRegistries(t, all.Registries, maxBody, logs)
}

// serveRegistries is serveReceiver for the registries regs.
func serveRegistries(t *testing.T, regs adapter.List, maxBody int64, logs io.Writer) (*httptest.Server, *server.Server) {
	t.Helper()
	return serve(t, regs, maxBody, logs, nil)
}

// serveRegistriesWith is serveRegistries with a change to the receiver's
// configuration.
func serveRegistriesWith(t *testing.T, regs adapter.List, change func(*receiver.Config)) (*httptest.Server, *server.Server) {
	t.Helper()
	return serve(t, regs, 1<<20, nil, change)
}

func serve(t *testing.T, regs adapter.List, maxBody int64, logs io.Writer, change func(*receiver.Config)) (*httptest.Server, *server.Server) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := natssink.StartServer(natssink.ServerConfig{Addr: "127.0.0.1:0", DataDir: t.TempDir(), MaxPayload: 1 << 20, AllowAnonymous: true, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	nc, err := natssink.ConnectInProcess(srv, "", "")
	if err != nil {
		t.Fatal(err)
	}
	sink, err := natssink.New(context.Background(), nc, natssink.Config{Stream: natssink.StreamConfig{Name: "EVENTS", MaxAge: time.Hour, Duplicates: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	if logs == nil {
		logs = io.Discard
	}
	st, err := store.New(context.Background(), store.Config{Sink: sink, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cfg := receiver.Config{
		Registries:   regs,
		SchemaBase:   "http://x/schemas/",
		Store:        st,
		Token:        token,
		MaxBodyBytes: maxBody,
		Schemas:      schemas.FS(),
		Logger:       slog.New(slog.NewTextHandler(logs, nil)),
	}
	if change != nil {
		change(&cfg)
	}
	recv, err := receiver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(recv)
	t.Cleanup(ts.Close)
	return ts, srv
}

func request(t *testing.T, method, url, contentType, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: body is not JSON: %q", method, url, raw)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	return resp, out
}

const tagPush = `{"type":"TAG_PUSH","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","tag":"1"}}`

func TestErrorAnswers(t *testing.T) {
	ts, _ := serveReceiver(t, 4096, nil)
	hook := ts.URL + "/hooks/dtr/" + token
	tests := []struct {
		name, method, url, contentType, body string
		status                               int
		says, field, allow                   string
	}{
		{"malformed JSON", "POST", hook, "application/json", `{"type":`, 400, "not valid JSON", "", ""},
		{"missing field", "POST", hook, "application/json", `{"type":"TAG_PUSH","contents":{}}`, 400, "createdAt: is required", "createdAt", ""},
		{"unknown DTR type", "POST", hook, "application/json", `{"type":"NOPE","createdAt":"2024-01-01T00:00:00Z","contents":{}}`, 400, "known types: MANIFEST_DELETE", "type", ""},
		{"hub without repo_name", "POST", ts.URL + "/hooks/dockerhub/" + token, "application/json", `{"push_data":{"pushed_at":1},"repository":{}}`, 400, "repository.repo_name", "repository.repo_name", ""},
		{"wrong token", "POST", ts.URL + "/hooks/dtr/not-the-token-0000000000", "application/json", tagPush, 404, "not found", "", ""},
		{"no token", "POST", ts.URL + "/hooks/dtr", "application/json", tagPush, 404, "not found", "", ""},
		{"unknown source", "POST", ts.URL + "/hooks/gitlab/" + token, "application/json", tagPush, 404, "not found", "", ""},
		{"unknown path", "GET", ts.URL + "/admin", "", "", 404, "not found", "", ""},
		{"GET on a hook", "GET", hook, "", "", 405, "webhooks are delivered with POST", "", "POST"},
		{"GET on a hook with a wrong token", "GET", ts.URL + "/hooks/dtr/wrong-token-wrong-token", "", "", 404, "not found", "", ""},
		{"POST on healthz", "POST", ts.URL + "/healthz", "", "", 405, "use GET", "", "GET, HEAD"},
		{"too large", "POST", hook, "application/json", `{"pad":"` + strings.Repeat("x", 5000) + `"}`, 413, "larger than the limit of 4096 bytes", "", ""},
		{"form encoded", "POST", hook, "application/x-www-form-urlencoded", tagPush, 415, "is not JSON", "", ""},
		{"text", "POST", hook, "text/plain", tagPush, 415, "is not JSON", "", ""},
		{"bad content type", "POST", hook, "application/", tagPush, 415, "is not JSON", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := request(t, tt.method, tt.url, tt.contentType, tt.body)
			if resp.StatusCode != tt.status || !contains(body["error"], tt.says) {
				t.Errorf("got %d %v; want %d saying %q", resp.StatusCode, body, tt.status, tt.says)
			}
			if f, _ := body["field"].(string); f != tt.field {
				t.Errorf("field %q, want %q", f, tt.field)
			}
			if resp.Header.Get("Allow") != tt.allow {
				t.Errorf("Allow %q, want %q", resp.Header.Get("Allow"), tt.allow)
			}
		})
	}
}

func contains(v any, sub string) bool {
	s, _ := v.(string)
	return strings.Contains(s, sub)
}

func TestAcceptedContentTypes(t *testing.T) {
	ts, _ := serveReceiver(t, 1<<20, nil)
	for i, ct := range []string{"", "application/json", "application/json; charset=utf-8", "application/vnd.docker.distribution.events.v1+json", "text/json"} {
		body := strings.Replace(tagPush, `"tag":"1"`, `"tag":"`+string(rune('a'+i))+`"`, 1)
		resp, out := request(t, "POST", ts.URL+"/hooks/dtr/"+token, ct, body)
		if resp.StatusCode != 202 {
			t.Errorf("Content-Type %q: %d %v", ct, resp.StatusCode, out)
		}
	}
}

func TestBrokerDownIs503(t *testing.T) {
	ts, srv := serveReceiver(t, 1<<20, nil)
	resp, body := request(t, "GET", ts.URL+"/readyz", "", "")
	if resp.StatusCode != 200 || body["status"] != "ready" {
		t.Fatalf("readyz %d %v", resp.StatusCode, body)
	}
	srv.Shutdown()
	srv.WaitForShutdown()
	resp, body = request(t, "POST", ts.URL+"/hooks/dtr/"+token, "application/json", tagPush)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || !contains(body["error"], "may have been stored, and a retry is de-duplicated") {
		t.Errorf("publish with the broker down: %d Retry-After %q %v", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	resp, body = request(t, "GET", ts.URL+"/readyz", "", "")
	if resp.StatusCode != 503 || body["status"] != "unavailable" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("readyz with the broker down: %d %v", resp.StatusCode, body)
	}
	resp, _ = request(t, "GET", ts.URL+"/healthz", "", "")
	if resp.StatusCode != 200 {
		t.Errorf("healthz: %d", resp.StatusCode)
	}
}

func TestTokenNeverLogged(t *testing.T) {
	var logs bytes.Buffer
	ts, _ := serveReceiver(t, 1<<20, &logs)
	request(t, "POST", ts.URL+"/hooks/dtr/"+token, "application/json", tagPush)
	request(t, "POST", ts.URL+"/hooks/dtr/"+token, "application/json", `{`)
	request(t, "POST", ts.URL+"/hooks/"+token, "application/json", tagPush) // source left out by mistake
	request(t, "POST", ts.URL+"/hooks/dtr?access_token="+token, "application/json", tagPush)
	request(t, "POST", ts.URL+"/hooks/harbour/"+token, "application/json", tagPush) // a misspelt source
	if !strings.Contains(logs.String(), `unknown source \"harbour\" (the sources are `+strings.Join(all.Registries.Names(), ", ")+`)`) {
		t.Errorf("the misspelt source is not named:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), token) {
		t.Errorf("token in the log:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "route=/hooks/dtr") || !strings.Contains(logs.String(), "event_id=") {
		t.Errorf("log lacks the route or event id:\n%s", logs.String())
	}
}

// TestAsyncAPIServed fetches the AsyncAPI document from the root and from
// /schemas/, and follows every reference to a schema as a client would,
// against the URL it fetched the document from.
func TestAsyncAPIServed(t *testing.T) {
	ts, _ := serveReceiver(t, 4096, nil)
	for _, docPath := range []string{"/asyncapi.json", "/schemas/asyncapi.json"} {
		t.Run(docPath, func(t *testing.T) {
			doc, ct := fetch(t, ts.URL+docPath)
			if ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			var v map[string]any
			if err := json.Unmarshal(doc, &v); err != nil || v["asyncapi"] != "3.0.0" {
				t.Fatalf("not an AsyncAPI 3.0.0 document (%v): %.100s", err, doc)
			}
			base, _ := url.Parse(ts.URL + docPath)
			refs := 0
			schematest.Refs(v, func(ref string) {
				if strings.HasPrefix(ref, "#") {
					return
				}
				refs++
				u, err := base.Parse(ref)
				if err != nil {
					t.Fatalf("$ref %q: %v", ref, err)
				}
				got, ct := fetch(t, u.String())
				want, err := fs.ReadFile(schemas.FS(), path.Base(u.Path))
				if err != nil || ct != "application/schema+json" || !bytes.Equal(got, want) {
					t.Errorf("$ref %q: %s answered %s, not the schema %s", ref, u, ct, path.Base(u.Path))
				}
			})
			if refs == 0 {
				t.Error("the document references no schema")
			}
		})
	}
	resp, _ := request(t, "POST", ts.URL+"/asyncapi.json", "application/json", "{}")
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.StatusCode)
	}
}

// fetch GETs url, which must answer 200, and returns the body and its
// Content-Type.
func fetch(t *testing.T, url string) ([]byte, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return b, resp.Header.Get("Content-Type")
}
