package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"net/http"
	"strings"
	"testing"

	"github.com/hubwire/hubwire/sinks/nats/natstest"
)

// signed is f with header set to value, on top of the registry's own.
func (f fixture) signed(header, value string) fixture {
	f.header = f.header.Clone()
	f.header.Set(header, value)
	return f
}

func hexMAC(h func() hash.Hash, key string, body []byte) string {
	m := hmac.New(h, []byte(key))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// TestSignedArtifactoryNexusGitea: each scheme these registries use,
// configured as the docs say, takes a delivery signed with the right
// secret (202) and answers one with a wrong secret, or none, 401 without
// storing it. JFrog's X-JFrog-Event-Auth is checked as the secret itself
// (secret-header) or, with the jfrog preset, as either documented
// signature; Gitea sends its signature header empty when the webhook has
// no secret.
func TestSignedArtifactoryNexusGitea(t *testing.T) {
	path := configFile(t, `sources:
  artifactory:
    secret-header: {header: X-JFrog-Event-Auth, secrets: [jfrog-token]}
  nexus:
    hmac: {header: X-Nexus-Webhook-Signature, algorithm: sha1, encoding: hex, secrets: [nexus-secret]}
  gitea:
    hmac: {preset: gitea, secrets: [gitea-secret]}
`)
	inst := startHubwire(t, t.TempDir(), "--config", path)
	signedInst := startHubwire(t, t.TempDir(), "--config", configFile(t, "sources:\n  artifactory:\n    hmac: {preset: jfrog, secrets: [jfrog-signing]}\n"))

	push := sampleOf(t, "artifactory", "docker-pushed")
	promoted := sampleOf(t, "artifactory", "docker-promoted")
	nexus := sampleOf(t, "nexus", "component-created")
	gitea := sampleOf(t, "gitea", "container-created")
	stored := 0
	for _, tt := range []struct {
		name string
		f    fixture
		want int
	}{
		{"artifactory secret", push.signed("X-JFrog-Event-Auth", "jfrog-token"), 202},
		{"artifactory wrong secret", push.signed("X-JFrog-Event-Auth", "jfrog-tokem"), 401},
		{"artifactory no secret", push, 401},
		{"nexus signed", nexus.signed("X-Nexus-Webhook-Signature", hexMAC(sha1.New, "nexus-secret", nexus.body)), 202},
		{"nexus wrong secret", nexus.signed("X-Nexus-Webhook-Signature", hexMAC(sha1.New, "other", nexus.body)), 401},
		{"nexus unsigned", nexus, 401},
		{"gitea signed", gitea.signed("X-Gitea-Signature", hexMAC(sha256.New, "gitea-secret", gitea.body)), 202},
		{"gitea wrong secret", gitea.signed("X-Gitea-Signature", hexMAC(sha256.New, "other", gitea.body)), 401},
		{"gitea empty signature", gitea.signed("X-Gitea-Signature", ""), 401},
	} {
		a := tt.f.deliver(t, inst, tt.f.body)
		msg, _ := a.body["error"].(string)
		if a.status != tt.want || tt.want == 401 && !strings.HasPrefix(msg, "signature: ") {
			t.Errorf("%s: %d %v, want %d", tt.name, a.status, a.body, tt.want)
		}
		if a.status == 202 {
			stored++
		}
		for _, secret := range []string{"jfrog-token", "nexus-secret", "gitea-secret"} {
			if strings.Contains(msg, secret) {
				t.Errorf("%s: the answer shows a secret: %q", tt.name, msg)
			}
		}
	}
	natstest.ReadStream(t, natsURLOf(inst), "HUBWIRE_EVENTS", stored)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"config", "check", "--config", path}, &out, &errOut, noEnv); code != 0 ||
		strings.Contains(out.String(), "jfrog-token") || !strings.Contains(out.String(), "secret-header") {
		t.Errorf("config check %d shows a secret or hides the setting:\n%s%s", code, out.String(), errOut.String())
	}

	stored = 0
	for _, tt := range []struct {
		name string
		f    fixture
		want int
	}{
		{"HMAC-SHA256", push.signed("X-JFrog-Event-Auth", hexMAC(sha256.New, "jfrog-signing", push.body)), 202},
		{"sha1= HMAC-SHA1", promoted.signed("X-JFrog-Event-Auth", "sha1="+hexMAC(sha1.New, "jfrog-signing", promoted.body)), 202},
		{"HMAC-SHA256, wrong secret", push.signed("X-JFrog-Event-Auth", hexMAC(sha256.New, "jfrog-signin", push.body)), 401},
		{"sha1=, wrong secret", push.signed("X-JFrog-Event-Auth", "sha1="+hexMAC(sha1.New, "jfrog-signin", push.body)), 401},
		{"the secret itself", push.signed("X-JFrog-Event-Auth", "jfrog-signing"), 401},
	} {
		if a := tt.f.deliver(t, signedInst, tt.f.body); a.status != tt.want {
			t.Errorf("jfrog preset, %s: %d %v, want %d", tt.name, a.status, a.body, tt.want)
		} else if a.status == 202 {
			stored++
		}
	}
	natstest.ReadStream(t, natsURLOf(signedInst), "HUBWIRE_EVENTS", stored)
}

// TestNexusUploadBurstStoredOnce: the deliveries Nexus 3.70+ makes of one
// Docker push (one CREATED, then UPDATED after UPDATED within seconds)
// are stored as one created and one updated event; the rest are answered
// as duplicates.
func TestNexusUploadBurstStoredOnce(t *testing.T) {
	inst := startHubwire(t, t.TempDir())
	created := sampleOf(t, "nexus", "component-created")
	updated := sampleOf(t, "nexus", "component-updated")
	if a := created.deliver(t, inst, created.body); a.status != 202 || a.body["type"] != "com.sonatype.nexus.component.created" {
		t.Fatalf("created: %d %v", a.status, a.body)
	}
	var first string
	for i, ts := range []string{"09:41:13.027", "09:41:13.540", "09:41:14.002", "09:41:19.771", "09:41:31.000"} {
		body := strings.Replace(string(updated.body), "09:41:13.027", ts, 1)
		a := updated.deliver(t, inst, []byte(body))
		if a.status != 202 || a.body["duplicate"] != (i > 0) {
			t.Errorf("UPDATED at %s: %d %v", ts, a.status, a.body)
		}
		if i == 0 {
			first, _ = a.body["id"].(string)
		} else if a.body["id"] != first {
			t.Errorf("UPDATED at %s: id %v, the first's %s", ts, a.body["id"], first)
		}
	}
	natstest.ReadStream(t, natsURLOf(inst), "HUBWIRE_EVENTS", 2)
}

// TestSendArtifactoryNexusGitea: hubwire send posts each new registry's
// samples, by type or by name, with the headers the registry sends, and
// a source's drop list keeps Nexus's asset events from the broker.
func TestSendArtifactoryNexusGitea(t *testing.T) {
	inst := startHubwire(t, t.TempDir(), "--config", configFile(t, "sources:\n  nexus:\n    drop: [\"com.sonatype.nexus.asset.*\"]\n"))
	stored := 0
	for _, tt := range []struct {
		args []string
		typ  string
		code string
	}{
		{[]string{"artifactory"}, "com.jfrog.artifactory.docker.pushed", "202 Accepted"},
		{[]string{"artifactory", "--type", "promoted"}, "com.jfrog.artifactory.docker.promoted", "202 Accepted"},
		{[]string{"nexus", "--type", "component_updated"}, "com.sonatype.nexus.component.updated", "202 Accepted"},
		{[]string{"nexus", "--sample", "asset-updated"}, "com.sonatype.nexus.asset.updated", "200 OK"},
		{[]string{"gitea"}, "io.gitea.image.created", "202 Accepted"},
		{[]string{"gitea", "--sample", "forgejo-container-created"}, "io.gitea.image.created", "202 Accepted"},
		{[]string{"gitea", "--sample", "package-created"}, "io.gitea.package.created", "202 Accepted"},
	} {
		code, out := sendCLI(t, append(tt.args, "--to", inst.WebhookURL(tt.args[0]))...)
		if code != 0 || !strings.HasPrefix(out, tt.code) || answerOf(t, out)["type"] != tt.typ {
			t.Errorf("send %v: %d %s", tt.args, code, out)
		}
		if tt.code == "202 Accepted" {
			stored++
		}
	}
	// The dropped asset event is answered as such, never stored.
	a := post(t, inst.WebhookURL("nexus"), "application/json", sampleOf(t, "nexus", "asset-deleted").body)
	if a.status != http.StatusOK || a.body["ignored"] != true {
		t.Errorf("dropped asset: %d %v", a.status, a.body)
	}
	natstest.ReadStream(t, natsURLOf(inst), "HUBWIRE_EVENTS", stored)
}
