package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/adapter/receiver/oidctest"
	"github.com/hubwire/hubwire/sinks/nats/natstest"
)

// sampleOf is a registry's sample as the registry sends it.
func sampleOf(t *testing.T, source, name string) fixture {
	t.Helper()
	reg, _ := all.Registries.Get(source)
	d, err := reg.SampleDelivery(name)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{source, name + ".json", d.Body, d.Header, d.Query}
}

// postAs posts f's body with f's headers and extra ones to url.
func postAs(t *testing.T, url string, f fixture, extra http.Header) answer {
	t.Helper()
	h := http.Header{}
	for k, v := range f.header {
		h[k] = v
	}
	for k, v := range extra {
		h[k] = v
	}
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(f.body))
	req.Header = h
	return do(t, req)
}

// TestZotAuthorization: zot's http sink authenticates with Bearer (its
// credentials.token) or Basic (username and password) in Authorization;
// both take hubwire's token, and a wrong one stores nothing.
func TestZotAuthorization(t *testing.T) {
	inst := startHubwire(t, t.TempDir(), "--accept-authorization", "basic")
	hook := inst.PublicURL() + "/hooks/zot"
	basic := func(user, password string) http.Header {
		return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))}}
	}
	updated, created := sampleOf(t, "zot", "image-updated"), sampleOf(t, "zot", "repository-created")
	if a := postAs(t, hook, updated, http.Header{"Authorization": {"Bearer " + inst.Token()}}); a.status != 202 || a.body["type"] != "dev.zotregistry.image.updated" {
		t.Errorf("Bearer: %d %v", a.status, a.body)
	}
	if a := postAs(t, hook, created, basic("zot", inst.Token())); a.status != 202 || a.body["type"] != "dev.zotregistry.repository.created" {
		t.Errorf("Basic: %d %v", a.status, a.body)
	}
	deleted := sampleOf(t, "zot", "image-deleted")
	for name, h := range map[string]http.Header{
		"wrong Bearer": {"Authorization": {"Bearer wrong-token-0123456789abcdef"}},
		"wrong Basic":  basic("zot", "wrong-token-0123456789abcdef"),
		"none":         {},
	} {
		if a := postAs(t, hook, deleted, h); a.status != 404 {
			t.Errorf("%s: %d %v", name, a.status, a.body)
		}
	}
	// Not binary mode: 400 naming the header.
	plain := updated
	plain.header = http.Header{"Content-Type": {"application/json"}}
	if a := postAs(t, inst.WebhookURL("zot"), plain, nil); a.status != 400 || a.body["field"] != "ce-specversion" {
		t.Errorf("plain JSON: %d %v", a.status, a.body)
	}
	msgs := natstest.ReadStream(t, natsURLOf(inst), "HUBWIRE_EVENTS", 2)
	for _, m := range msgs {
		if m.Header.Get("ce-zotid") == "" || m.Header.Get("ce-zotsource") != "zotregistry.dev" {
			t.Errorf("%s: zot's attributes not kept: %v", m.Subject, m.Header)
		}
	}
}

// TestECRTokenHeader: an EventBridge connection sends its API key in a
// header of the operator's choosing (token-header) or as Basic; the key is
// the source's token. A wrong key stores nothing; bad input is 400, which
// EventBridge does not retry, naming the field.
func TestECRTokenHeader(t *testing.T) {
	const key = "ecr-api-key-0123456789"
	path := configFile(t, "sources:\n  ecr:\n    tokens: ["+key+"]\n    token-header: X-Api-Key\n")
	inst := startHubwire(t, t.TempDir(), "--config", path, "--accept-authorization", "basic")
	hook := inst.PublicURL() + "/hooks/ecr"
	push, scan := sampleOf(t, "ecr", "push"), sampleOf(t, "ecr", "scan")
	if a := postAs(t, hook, push, http.Header{"X-Api-Key": {key}}); a.status != 202 || a.body["type"] != "com.amazonaws.ecr.image.pushed" {
		t.Errorf("API key: %d %v", a.status, a.body)
	}
	if a := postAs(t, hook, scan, http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("eventbridge:"+key))}}); a.status != 202 || a.body["type"] != "com.amazonaws.ecr.image.scanned" {
		t.Errorf("Basic: %d %v", a.status, a.body)
	}
	del := sampleOf(t, "ecr", "delete")
	for name, h := range map[string]http.Header{
		"wrong key":              {"X-Api-Key": {"wrong-key-0123456789abc"}},
		"key in another header":  {"X-Other-Key": {key}},
		"the main token instead": {"X-Api-Key": {inst.Token()}},
	} {
		if a := postAs(t, hook, del, h); a.status != 404 {
			t.Errorf("%s: %d %v", name, a.status, a.body)
		}
	}
	var m map[string]any
	json.Unmarshal(del.body, &m)
	m["source"] = "aws.s3"
	bad := del
	bad.body, _ = json.Marshal(m)
	if a := postAs(t, hook, bad, http.Header{"X-Api-Key": {key}}); a.status != 400 || a.body["field"] != "source" {
		t.Errorf("another service's event: %d %v", a.status, a.body)
	}
	natstest.ReadStream(t, natsURLOf(inst), "HUBWIRE_EVENTS", 2)
	if _, err := parseServe([]string{"--config", configFile(t, "sources:\n  ecr:\n    token-header: \"X Api Key\"\n")}, nil, noEnv); err == nil || !contains(err.Error(), "token-header") {
		t.Errorf("a token-header that is no header name: %v", err)
	}
}

// TestGCROIDC: a gcr source with oidc set takes only deliveries whose
// Pub/Sub token verifies against the configured keys, audience, issuer and
// service account (401 otherwise, nothing stored); a tagged push, a
// tag-less INSERT then a tagged one, is two events typed apart.
func TestGCROIDC(t *testing.T) {
	const aud, email = "https://hooks.example.com/hooks/gcr", "hubwire-push@my-project.iam.gserviceaccount.com"
	iss := oidctest.New(t)
	path := configFile(t, "sources:\n  gcr:\n    oidc: {jwks-url: "+iss.JWKSURL+", audience: \""+aud+"\", email: "+email+"}\n")
	inst := startHubwire(t, t.TempDir(), "--config", path)
	hook := inst.WebhookURL("gcr")
	good := oidctest.PubSub(aud, email)
	bearer := func(c oidctest.Claims) http.Header { return http.Header{"Authorization": {"Bearer " + iss.Sign(t, c)}} }

	insert, tagged := sampleOf(t, "gcr", "insert"), sampleOf(t, "gcr", "insert-tag")
	a, b := postAs(t, hook, insert, bearer(good)), postAs(t, hook, tagged, bearer(good))
	if a.status != 202 || b.status != 202 || a.body["type"] != "com.google.artifactregistry.image.pushed" || b.body["type"] != "com.google.artifactregistry.tag.pushed" || a.body["id"] == b.body["id"] {
		t.Errorf("a tagged push: %d %v, then %d %v", a.status, a.body, b.status, b.body)
	}
	del := sampleOf(t, "gcr", "delete")
	wrongAud, wrongEmail, expired, unverified := good, good, good, good
	wrongAud.Audience = "https://elsewhere.example.com"
	wrongEmail.Email = "someone@other-project.iam.gserviceaccount.com"
	expired.Expiry = time.Now().Add(-time.Minute)
	unverified.EmailVerified = false
	for name, h := range map[string]http.Header{
		"no token":           {},
		"wrong key":          {"Authorization": {"Bearer " + iss.Impostor(t).Sign(t, good)}},
		"wrong audience":     bearer(wrongAud),
		"wrong email":        bearer(wrongEmail),
		"expired":            bearer(expired),
		"email not verified": bearer(unverified),
	} {
		if a := postAs(t, hook, del, h); a.status != 401 || !contains(a.body["error"], "signature: ") {
			t.Errorf("%s: %d %v", name, a.status, a.body)
		}
	}
	// Bad input is 400 naming the field (Pub/Sub redelivers it until the
	// subscription's dead-letter topic or retention takes it).
	unwrapped := del
	unwrapped.body = []byte(`{"action":"DELETE","digest":"gcr.io/p/app@sha256:1"}`)
	if a := postAs(t, hook, unwrapped, bearer(good)); a.status != 400 || a.body["field"] != "message" {
		t.Errorf("unwrapped: %d %v", a.status, a.body)
	}
	natstest.ReadStream(t, natsURLOf(inst), "HUBWIRE_EVENTS", 2)
	if _, err := parseServe([]string{"--config", configFile(t, "sources:\n  gcr:\n    oidc: {audience: x}\n")}, nil, noEnv); err == nil || !contains(err.Error(), "email") {
		t.Errorf("oidc without email: %v", err)
	}
}

// TestSendZotECRGCR: hubwire send posts each sample as the registry sends
// it (zot's ce-* headers, the EventBridge event, the Pub/Sub envelope), a
// new event each time unless --fresh=false.
func TestSendZotECRGCR(t *testing.T) {
	inst := startHubwire(t, t.TempDir())
	stored := 0
	for _, tt := range []struct{ source, typ, sample string }{
		{"zot", "dev.zotregistry.image.updated", ""},
		{"zot", "dev.zotregistry.image.scanned", "image-scanned"},
		{"ecr", "com.amazonaws.ecr.image.pushed", ""},
		{"ecr", "com.amazonaws.ecr.pull_through_cache.synced", "pull-through-cache"},
		{"gcr", "com.google.artifactregistry.tag.pushed", ""},
		{"gcr", "com.google.artifactregistry.image.deleted", "delete"},
	} {
		args := []string{tt.source, "--to", inst.WebhookURL(tt.source)}
		if tt.sample != "" {
			args = append(args, "--sample", tt.sample)
		}
		_, first := sendCLI(t, args...)
		_, second := sendCLI(t, args...)
		_, asIs := sendCLI(t, append(args, "--fresh=false")...)
		_, again := sendCLI(t, append(args, "--fresh=false")...)
		a, b, c, d := answerOf(t, first), answerOf(t, second), answerOf(t, asIs), answerOf(t, again)
		if a["type"] != tt.typ || b["type"] != tt.typ || a["id"] == b["id"] || c["id"] != d["id"] || d["duplicate"] != true || c["duplicate"] != false {
			t.Errorf("%s %s: fresh %v, fresh %v, as-is %v, as-is again %v", tt.source, tt.sample, a, b, c, d)
		}
		stored += 3
	}
	natstest.ReadStream(t, natsURLOf(inst), "HUBWIRE_EVENTS", stored)
}

// TestGCRDropUntagged: a consumer that wants tags only drops the tag-less
// INSERT with the source filters; it is answered 200, ignored, and never
// published, while the tagged one is stored.
func TestGCRDropUntagged(t *testing.T) {
	path := configFile(t, "sources:\n  gcr:\n    drop: [com.google.artifactregistry.image.pushed]\n")
	inst := startHubwire(t, t.TempDir(), "--config", path)
	untagged := postAs(t, inst.WebhookURL("gcr"), sampleOf(t, "gcr", "insert"), nil)
	tagged := postAs(t, inst.WebhookURL("gcr"), sampleOf(t, "gcr", "insert-tag"), nil)
	if untagged.status != 200 || untagged.body["ignored"] != true || tagged.status != 202 || tagged.body["type"] != "com.google.artifactregistry.tag.pushed" {
		t.Errorf("untagged %d %v, tagged %d %v", untagged.status, untagged.body, tagged.status, tagged.body)
	}
	msgs := natstest.ReadStream(t, natsURLOf(inst), "HUBWIRE_EVENTS", 1)
	if !strings.HasPrefix(msgs[0].Subject, "hubwire.events.gcr.insert_tag.") {
		t.Errorf("stored %s", msgs[0].Subject)
	}
}
