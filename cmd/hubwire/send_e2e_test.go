package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubwire/hubwire/sinks/nats/natstest"
)

func sendCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := run(context.Background(), append([]string{"send"}, args...), &out, &out, noEnv)
	return code, out.String()
}

// answerOf reads the JSON body that hubwire send printed after the status.
func answerOf(t *testing.T, out string) map[string]any {
	t.Helper()
	var a map[string]any
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &a); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	return a
}

func TestSendEveryDTRType(t *testing.T) {
	inst := startHubwire(t, t.TempDir())
	types := []string{"TAG_PUSH", "TAG_PULL", "TAG_DELETE", "MANIFEST_PUSH", "MANIFEST_PULL", "MANIFEST_DELETE", "SCAN_COMPLETED", "SCAN_FAILED",
		"PROMOTION", "PUSH_MIRRORING", "POLL_MIRRORING", "REPO_CREATED", "REPO_UPDATED", "REPO_DELETED", "SCANNER_UPDATE_COMPLETED", "REPO_EVENT"}
	for _, typ := range types {
		code, out := sendCLI(t, "dtr", "--to", inst.WebhookURL("dtr"), "--type", typ)
		if code != 0 || !strings.HasPrefix(out, "202 Accepted") {
			t.Fatalf("%s: %d %s", typ, code, out)
		}
	}
	code, out := sendCLI(t, "dockerhub", "--to", inst.WebhookURL("dockerhub"))
	if code != 0 || answerOf(t, out)["type"] != "com.docker.hub.push" {
		t.Fatalf("dockerhub: %d %s", code, out)
	}
	natstest.ReadStream(t, natsURLOf(inst), "HUBWIRE_EVENTS", len(types)+1)
}

func TestSendFreshOrAsIs(t *testing.T) {
	inst := startHubwire(t, t.TempDir())
	hook := inst.WebhookURL("dockerhub")
	_, first := sendCLI(t, "dockerhub", "--to", hook, "--sample", "legacy-with-tag")
	_, second := sendCLI(t, "dockerhub", "--to", hook, "--sample", "legacy-with-tag", "--fresh=false")
	_, third := sendCLI(t, "dockerhub", "--to", hook, "--sample", "legacy-with-tag", "--fresh=false")
	a, b, c := answerOf(t, first), answerOf(t, second), answerOf(t, third)
	if a["id"] == b["id"] || b["id"] != c["id"] || c["duplicate"] != true || b["duplicate"] != false {
		t.Errorf("fresh %v, as-is %v, as-is again %v", a, b, c)
	}
}

func TestSendOwnFileAndMistakes(t *testing.T) {
	inst := startHubwire(t, t.TempDir())
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"type":"TAG_PUSH","contents":{}}`), 0o600)
	code, out := sendCLI(t, "dtr", "--to", inst.WebhookURL("dtr"), "--file", bad)
	if code != 1 || !strings.HasPrefix(out, "400 Bad Request") || !strings.Contains(out, `"field":"createdAt"`) {
		t.Errorf("own broken file: %d %s", code, out)
	}
	for _, tt := range []struct {
		args []string
		says string
	}{
		{[]string{"gitlab", "--to", inst.WebhookURL("dtr")}, `source "gitlab": want dockerhub`},
		{[]string{"dtr"}, `--to is missing: give the receiver's webhook URL`},
		{[]string{"dtr", "--to", "127.0.0.1:8080/hooks/dtr"}, "want the receiver's webhook URL"},
		{[]string{"dockerhub", "--to", inst.WebhookURL("dockerhub"), "--type", "TAG_PUSH"}, "--type is for dtr"},
		{[]string{"dtr", "--to", inst.WebhookURL("dtr"), "--type", "CHART_PUSH"}, `--type "CHART_PUSH": dtr has no such event type; it has MANIFEST_DELETE, MANIFEST_PULL`},
		{[]string{"--to", inst.WebhookURL("dtr")}, "needs the source"},
		{[]string{"dtr", "--to", inst.PublicURL() + "/hooks/dtr/wrong-token-wrong-token"}, "404 Not Found"},
	} {
		code, out := sendCLI(t, tt.args...)
		if code != 1 || !strings.Contains(out, tt.says) {
			t.Errorf("%v: %d %q, want %q", tt.args, code, out, tt.says)
		}
	}
}

// TestSendKeepsTheTokenOutOfItsError: a receiver that cannot be reached
// is named by its host only; Go's error quotes the whole URL.
func TestSendKeepsTheTokenOutOfItsError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	code, out := sendCLI(t, "dtr", "--to", closed+"/hooks/dtr/secret-token-0123456789")
	if code != 1 || strings.Contains(out, "secret-token") || !strings.Contains(out, "posting to "+closed) {
		t.Errorf("%d %q", code, out)
	}
}
