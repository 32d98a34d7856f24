package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hubwire/hubwire/adapter/dtr"
	"github.com/hubwire/hubwire/server"
)

// TestHealthPageCounts: real deliveries of every kind of answer (stored,
// duplicate, ignored, refused 400/401/404/413) to hubwire on the embedded
// NATS server; the console's health page counts each registry's from
// hubwire's own metrics, and the acks pending from the records.
func TestHealthPageCounts(t *testing.T) {
	cb := newRegistryCallbacks(t, 200)
	cfg := configFile(t, `sources:
  quay:
    secret-header: {header: X-Quay-Secret, secrets: [quay-s3cret]}
  dtr:
    drop: [com.docker.dtr.tag.pull]
`)
	inst := startHubwire(t, t.TempDir(), append([]string{"--config", cfg, "--max-body-bytes", "65536"}, allowTestCallbacks...)...)

	push, _ := dtr.Samples.ReadFile("samples/tag-push.json")
	pull, _ := dtr.Samples.ReadFile("samples/tag-pull.json")
	for _, d := range []struct {
		what string
		url  string
		body []byte
		want int
	}{
		{"a dtr push", inst.WebhookURL("dtr"), push, 202},
		{"the same push again", inst.WebhookURL("dtr"), push, 202},
		{"a dtr pull, dropped by the filter", inst.WebhookURL("dtr"), pull, 200},
		{"a body dtr does not send", inst.WebhookURL("dtr"), []byte(`{"type":"NOPE"}`), 400},
		{"a body over --max-body-bytes", inst.WebhookURL("dtr"), bytes.Repeat([]byte(" "), 100_000), 413},
		{"a wrong token", inst.PublicURL() + "/hooks/dtr/wrong-token-wrong-token", push, 404},
		{"a quay delivery without its secret", inst.WebhookURL("quay"), []byte(`{}`), 401},
		{"no registry at all", inst.PublicURL() + "/hooks/nosuch/" + inst.Token(), push, 404},
		{"a Docker Hub push with a callback", inst.WebhookURL("dockerhub"), hubDelivery(t, cb.URL, "1.4"), 202},
	} {
		if a := post(t, d.url, "application/json", d.body); a.status != d.want {
			t.Fatalf("%s: %d %v, want %d", d.what, a.status, a.body, d.want)
		}
	}
	// A GitHub ping: nothing to publish, answered 200.
	req, _ := http.NewRequest(http.MethodPost, inst.WebhookURL("github"), strings.NewReader(`{"zen":"Keep it logically awesome.","hook_id":1}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "ping")
	if a := do(t, req); a.status != 200 {
		t.Fatalf("a GitHub ping: %d %v", a.status, a.body)
	}

	page := healthPage(t, inst)
	for _, tt := range []struct {
		registry string
		cells    map[string]string
	}{
		{"dtr", map[string]string{"Received": "6", "Stored": "1", "Duplicate": "1", "Ignored": "1",
			"Refused": "3 refused 400 Bad Request: 1 404 Not Found: 1 413 Request Entity Too Large: 1", "Failed": "0"}},
		{"quay", map[string]string{"Received": "1", "Stored": "0", "Ignored": "0", "Refused": "1 refused 401 Unauthorized: 1"}},
		{"github", map[string]string{"Received": "1", "Stored": "0", "Ignored": "1", "Refused": "0"}},
		{"dockerhub", map[string]string{"Received": "1", "Stored": "1", "Duplicate": "0", "Refused": "0"}},
		{"harbor", map[string]string{"Received": "0", "Stored": "0", "Refused": "0", "Failed": "0"}},
		{"unknown", map[string]string{"Received": "1", "Refused": "1 refused 404 Not Found: 1"}},
	} {
		row := healthRow(t, page, tt.registry)
		for label, want := range tt.cells {
			if got := cell(row, label); got != want {
				t.Errorf("%s's %s: %q, want %q", tt.registry, label, got, want)
			}
		}
	}
	if row := healthRow(t, page, "dtr"); !strings.Contains(row, `<rect class="ok"`) || !strings.Contains(row, `<rect class="wait"`) || !strings.Contains(row, `<rect class="none"`) {
		t.Errorf("dtr's chart lacks a bar of an answer:\n%s", row)
	}
	text := tagsOut(page)
	for _, want := range []string{"Acks pending 1 callbacks waiting for an ack", "Counted by this replica since it started", "Broker ready"} {
		if !strings.Contains(text, want) {
			t.Errorf("the health page lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(page, inst.Token()) || strings.Contains(page, "2bda0e2f204fj42egeb225d5ca2fa0eb1") {
		t.Error("the health page shows a secret")
	}

	// More deliveries are counted on the next view.
	post(t, inst.WebhookURL("quay"), "application/json", []byte(`{}`))
	if got := cell(healthRow(t, healthPage(t, inst), "quay"), "Refused"); got != "2 refused 401 Unauthorized: 2" {
		t.Errorf("quay's refused after one more: %q", got)
	}
}

// healthPage signs in to the console and reads the health page.
func healthPage(t *testing.T, inst *server.Server) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	base := inst.PublicURL() + "/console/"
	resp, err := client.PostForm(base+"login", url.Values{"token": {inst.Token()}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = client.Get(base + "health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the health page: %d %.300s", resp.StatusCode, b)
	}
	return string(b)
}

// healthRow is the health page's row of a registry.
func healthRow(t *testing.T, page, registry string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<tr data-registry="` + regexp.QuoteMeta(registry) + `">.*?</tr>`).FindString(page)
	if m == "" {
		t.Fatalf("the health page has no row for %s:\n%s", registry, tagsOut(page))
	}
	return m
}

// cell is the text of a row's cell, as the page labels it.
func cell(row, label string) string {
	m := regexp.MustCompile(`(?s)<td data-label="` + regexp.QuoteMeta(label) + `"[^>]*>(.*?)</td>`).FindStringSubmatch(row)
	if m == nil {
		return "(no cell)"
	}
	return tagsOut(m[1])
}

// tagsOut is HTML as text: tags dropped, spaces collapsed.
func tagsOut(html string) string {
	return strings.Join(strings.Fields(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(html, " ")), " ")
}
