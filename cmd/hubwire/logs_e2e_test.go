package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/sinks/nats/natstest"
)

// logRecords parses a JSON log, one record a line.
func logRecords(t *testing.T, log string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		if line == "" {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("not a JSON record: %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

// waitRecord waits for a record whose msg starts with msg.
func waitRecord(t *testing.T, log *syncBuffer, msg string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, r := range logRecords(t, log.String()) {
			if m, _ := r["msg"].(string); strings.HasPrefix(m, msg) {
				return r
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no record %q in the log:\n%s", msg, log.String())
	return nil
}

// TestOperatorLogs runs serve with --log-format json against an external
// NATS that goes away and comes back, and reads what an operator would:
// a ready record, a line for the lost connection and one for its return,
// durations as text, and a stopped record.
func TestOperatorLogs(t *testing.T) {
	broker := natstest.StartBroker(t)
	log := &syncBuffer{}
	served := runServe(t, []string{"--http-addr", "127.0.0.1:0", "--broker", broker.URL(), "--log-format", "json", "--data-dir", t.TempDir()}, nil, log)

	ready := waitRecord(t, log, "ready")
	if ready["level"] != "INFO" || ready["broker"] != "nats" || !strings.HasPrefix(ready["receiver"].(string), "http://127.0.0.1:") || ready["version"] == "" {
		t.Errorf("ready record: %v", ready)
	}

	broker.Stop()
	lost := waitRecord(t, log, "NATS connection lost")
	if lost["level"] != "WARN" || lost["servers"] != broker.URL() {
		t.Errorf("lost record: %v", lost)
	}
	broker.Start()
	back := waitRecord(t, log, "NATS connection back")
	if back["level"] != "INFO" || back["server"] != broker.URL() {
		t.Errorf("back record: %v", back)
	}

	if code := served.stop(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, log.String())
	}
	shutting := waitRecord(t, log, "shutting down")
	if shutting["timeout"] != "30s" {
		t.Errorf("the shutdown timeout in JSON: %#v, want \"30s\"", shutting["timeout"])
	}
	records := logRecords(t, log.String())
	if last := records[len(records)-1]; last["msg"] != "stopped" || last["level"] != "INFO" {
		t.Errorf("last record %v, want stopped", last)
	}
	if n := strings.Count(log.String(), "NATS connection lost"); n != 1 {
		t.Errorf("%d lost records: a stop is no lost connection\n%s", n, log.String())
	}
}
