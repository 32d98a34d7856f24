package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"

	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/server"
)

// TestHistoryAcrossReplicas: any replica serves the whole history. Two
// hubwire servers share a broker (Kafka, or a NATS server neither owns);
// a delivery through one, with a callback_url or without (hence with no
// record), is listed by the other, which shows its detail (API and
// console page), and then the ack the first replica's event took.
func TestHistoryAcrossReplicas(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) (a, b *server.Server, ack func(t *testing.T, id string))
		where string
	}{
		{"Kafka", func(t *testing.T) (*server.Server, *server.Server, func(*testing.T, string)) {
			c := kafkaCluster(t)
			a := startHubwire(t, t.TempDir(), kafkaReplyFlags(c)...)
			b := startHubwire(t, t.TempDir(), kafkaReplyFlags(c)...)
			return a, b, func(t *testing.T, id string) { kafkaAckCLI(t, c, id, "--state", "success", "--consumer", "ci") }
		}, "hubwire.events"},
		{"external NATS", func(t *testing.T) (*server.Server, *server.Server, func(*testing.T, string)) {
			broker := externalBroker(t)
			flags := append([]string{"--broker", broker.ClientURL()}, allowTestCallbacks...)
			a := startHubwire(t, t.TempDir(), flags...)
			b := startHubwire(t, t.TempDir(), flags...)
			return a, b, func(t *testing.T, id string) {
				nc, err := natsgo.Connect(broker.ClientURL())
				if err != nil {
					t.Fatal(err)
				}
				defer nc.Close()
				if _, err := nc.Request("hubwire.acks."+id, []byte(`{"consumer":"ci","state":"success"}`), 5*time.Second); err != nil {
					t.Fatal(err)
				}
			}
		}, "HUBWIRE_EVENTS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cb := newRegistryCallbacks(t, 200)
			a, b, ack := tc.start(t)
			hubID := deliver(t, a, hubDelivery(t, cb.URL, "1.4"))
			var dtrID string
			for _, f := range fixtures(t) {
				if f.source == "dtr" && f.name == "tag-push.json" {
					ans := f.deliver(t, a, freshen(f.body, f.source, time.Now()))
					if ans.status != http.StatusAccepted {
						t.Fatalf("dtr: %d %v", ans.status, ans.body)
					}
					dtrID = receipts(ans)[0]["id"].(string)
				}
			}
			// The other replica lists both, where they are stored.
			var listed []reply.Record
			waitFor(t, "both events listed by the other replica", func() bool {
				listed = listEvents(t, b, "")
				return len(listed) == 2
			})
			if listed[0].ID != dtrID || listed[1].ID != hubID || listed[0].Stored.Stream != tc.where || listed[0].Source != "dtr" || listed[1].Source != "dockerhub" {
				t.Errorf("the other replica lists %+v", listed)
			}
			if got := listEvents(t, b, "registry=dtr"); len(got) != 1 || got[0].ID != dtrID {
				t.Errorf("the other replica's dtr events: %+v", got)
			}
			// And shows each: the one without a record from the broker.
			if rec := eventRecord(t, b, dtrID); rec.Source != "dtr" || rec.Stored.Stream != tc.where || len(rec.Event) == 0 || rec.Callback.Outcome != reply.OutcomeNone {
				t.Errorf("the other replica's detail of %s: %+v", dtrID, rec)
			}
			waitFor(t, "the record on the other replica", func() bool {
				rec, err := getRecord(b, hubID)
				return err == nil && rec.Callback.Outcome == reply.OutcomeWaiting && rec.Stored.Stream == tc.where
			})
			if page := consolePage(t, b, "events/"+hubID); !strings.Contains(page, hubID) || !strings.Contains(page, tc.where) || !strings.Contains(page, "waiting for ack") {
				t.Errorf("the other replica's page of %s:\n%s", hubID, page)
			}
			// The ack's outcome, whichever replica took it, shows on both.
			ack(t, hubID)
			waitFor(t, "the callback", func() bool { return len(cb.received()) == 1 })
			for _, inst := range []*server.Server{a, b} {
				waitFor(t, "the callback's outcome on each replica", func() bool {
					rec, err := getRecord(inst, hubID)
					return err == nil && rec.Callback.Outcome == reply.OutcomeSent && len(rec.Acks) == 1
				})
			}
			if page := consolePage(t, b, "?outcome=sent"); !strings.Contains(page, hubID) || strings.Contains(page, dtrID) {
				t.Errorf("the other replica's list of sent callbacks:\n%s", page)
			}
		})
	}
}

// listEvents is GET /api/events?query from inst, with its token.
func listEvents(t *testing.T, inst *server.Server, query string) []reply.Record {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, inst.PublicURL()+"/api/events?"+query, nil)
	req.Header.Set("Authorization", "Bearer "+inst.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Events []reply.Record `json:"events"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/events?%s: %d %v", query, resp.StatusCode, err)
	}
	return body.Events
}

// consolePage is the console's page at path (under /console/) from inst,
// signed in with its token.
func consolePage(t *testing.T, inst *server.Server, path string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	base := inst.PublicURL() + "/console/"
	resp, err := c.PostForm(base+"login", url.Values{"token": {inst.Token()}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = c.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /console/%s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}
