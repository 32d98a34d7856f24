package receiver_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/sinks"
	"github.com/hubwire/hubwire/sinks/nats/natstest"
)

// batchDecoder makes one event per repository a delivery names, as a
// registry that batches does (a CNCF distribution envelope), and none for
// a delivery that names none.
type batchDecoder struct{ schemaBase string }

func (b batchDecoder) Decode(d adapter.Delivery) ([]*adapter.Decoded, error) {
	var body struct {
		Repos []string `json:"repos"`
	}
	if _, err := adapter.DecodeJSON(d.Body, &body); err != nil {
		return nil, err
	}
	var out []*adapter.Decoded
	for _, repo := range body.Repos {
		ns, name, _ := strings.Cut(repo, "/")
		facts := adapter.Facts{Registry: "batch", Repository: repo, Namespace: ns, Name: name, Action: "push", OccurredAt: time.Unix(1700000000, 0).UTC()}
		e, err := adapter.NewEvent(adapter.Spec{
			ID: adapter.EventID("batch", repo), Source: "urn:batch:" + repo, Type: "org.example.batch.push", Subject: repo,
			Schema: b.schemaBase + "batch.push.json", PartitionKey: repo, Facts: facts, Data: facts,
		})
		if err != nil {
			return nil, err
		}
		out = append(out, &adapter.Decoded{Event: e, Address: sinks.Address{Source: "batch", Kind: "push", Namespace: ns, Name: name}})
	}
	return out, nil
}

var batch = adapter.Registry{
	Name: "batch", Title: "Batch",
	Types: []adapter.EventType{{Type: "org.example.batch.push", Kind: "push", Action: "push", Schema: "batch.push"}},
	New:   func(base string) adapter.Decoder { return batchDecoder{base} },
}

// TestDeliveryOfSeveralOrNoEvents: a delivery of several events is
// answered 202 with every receipt once all are stored, in order; one of
// none is answered 200, not a 4xx (a registry would retry it, or give up
// on the webhook), and stores nothing.
func TestDeliveryOfSeveralOrNoEvents(t *testing.T) {
	ts, srv := serveRegistries(t, adapter.List{batch}, 1<<20, nil)
	hook := ts.URL + "/hooks/batch/" + token

	resp, body := request(t, "POST", hook, "application/json", `{"repos":["acme/api","acme/web","acme/db"]}`)
	events, _ := body["events"].([]any)
	if resp.StatusCode != 202 || len(events) != 3 {
		t.Fatalf("three events: %d %v", resp.StatusCode, body)
	}
	for i, repo := range []string{"acme/api", "acme/web", "acme/db"} {
		e, _ := events[i].(map[string]any)
		if e["id"] != adapter.EventID("batch", repo) || e["subject"] != repo || e["seq"] != float64(i+1) || e["stream"] != "EVENTS" || e["duplicate"] != false {
			t.Errorf("receipt %d: %v", i, e)
		}
	}
	msgs := natstest.ReadStream(t, srv.ClientURL(), "EVENTS", 3)
	if msgs[1].Subject != "hubwire.events.batch.push.acme.web" {
		t.Errorf("second event on %s", msgs[1].Subject)
	}

	// Sent again (a retry): every event is a duplicate, nothing new stored.
	resp, body = request(t, "POST", hook, "application/json", `{"repos":["acme/api","acme/web","acme/db"]}`)
	raw, _ := json.Marshal(body)
	if resp.StatusCode != 202 || strings.Count(string(raw), `"duplicate":true`) != 3 {
		t.Errorf("retry: %d %s", resp.StatusCode, raw)
	}

	resp, body = request(t, "POST", hook, "application/json", `{"repos":[]}`)
	if events, ok := body["events"].([]any); resp.StatusCode != 200 || !ok || len(events) != 0 {
		t.Errorf("no events: %d %v", resp.StatusCode, body)
	}
	natstest.ReadStream(t, srv.ClientURL(), "EVENTS", 3)
}
