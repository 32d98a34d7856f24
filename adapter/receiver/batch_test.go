package receiver_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/dtr"
	"github.com/hubwire/hubwire/adapter/receiver"
	"github.com/hubwire/hubwire/sinks"
	"github.com/hubwire/hubwire/sinks/nats/natstest"
)

// batchDecoder makes one event per repository a delivery names, as a
// registry that batches does (a CNCF distribution envelope), and none for
// a delivery that names none. A "blob:" repository makes a blob event; an
// empty one is an element it cannot read. ?action= names the action (as
// Quay's URL names its event), and a form's payload field is read as the
// body (as GitHub may send it).
type batchDecoder struct{ schemaBase string }

func (b batchDecoder) Decode(d adapter.Delivery) ([]*adapter.Decoded, error) {
	body := d.Body
	if ct := d.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, adapter.Errorf("", "not a form: %v", err)
		}
		body = []byte(form.Get("payload"))
	}
	var in struct {
		Repos []string `json:"repos"`
	}
	if _, err := adapter.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	action := cmp.Or(d.Query.Get("action"), "push")
	var out []*adapter.Decoded
	var rejected adapter.Rejected
	for i, repo := range in.Repos {
		kind := "manifest"
		if r, ok := strings.CutPrefix(repo, "blob:"); ok {
			kind, repo = "blob", r
		}
		ns, name, ok := strings.Cut(repo, "/")
		if !ok {
			rejected.Elements = append(rejected.Elements, adapter.RejectedElement{Index: i, Field: "repos", Error: fmt.Sprintf("%q is not namespace/name", repo)})
			continue
		}
		typ := "org.example.batch." + kind + "." + action
		facts := adapter.Facts{Registry: "batch", Repository: repo, Namespace: ns, Name: name, Action: action, OccurredAt: time.Unix(1700000000, 0).UTC()}
		e, err := adapter.NewEvent(adapter.Spec{
			ID: adapter.EventID("batch", kind, action, repo), Source: "urn:batch:" + repo, Type: typ, Subject: repo,
			Schema: b.schemaBase + "batch.json", PartitionKey: repo, Facts: facts, Data: facts,
		})
		if err != nil {
			return nil, err
		}
		out = append(out, &adapter.Decoded{Event: e, Address: sinks.Address{Source: "batch", Kind: kind + "_" + action, Namespace: ns, Name: name}})
	}
	if rejected.Elements != nil {
		return out, &rejected
	}
	return out, nil
}

var batch = adapter.Registry{
	Name: "batch", Title: "Batch",
	Types: []adapter.EventType{
		{Type: "org.example.batch.manifest.push", Kind: "manifest_push", Action: "push", Schema: "batch"},
		{Type: "org.example.batch.blob.push", Kind: "blob_push", Action: "push", Schema: "batch"},
	},
	New:        func(base string) adapter.Decoder { return batchDecoder{base} },
	MediaTypes: []string{"application/x-www-form-urlencoded"},
	Drop:       []string{"org.example.batch.blob.*"},
	Recognizes: func(d adapter.Delivery) bool { return bytes.Contains(d.Body, []byte(`"repos"`)) },
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
		if e["id"] != adapter.EventID("batch", "manifest", "push", repo) || e["subject"] != repo || e["seq"] != float64(i+1) || e["stream"] != "EVENTS" || e["duplicate"] != false {
			t.Errorf("receipt %d: %v", i, e)
		}
	}
	msgs := natstest.ReadStream(t, srv.ClientURL(), "EVENTS", 3)
	if msgs[1].Subject != "hubwire.events.batch.manifest_push.acme.web" {
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

// TestFiltersRejectsAndHints: the registry's Drop and the config's
// publish and drop lists keep events from the broker (answered 2xx,
// "ignored": true); an element that cannot be read is named without
// holding back its siblings; a delivery posted to another registry's URL
// is told where it belongs; ?action= and a form body reach the decoder.
func TestFiltersRejectsAndHints(t *testing.T) {
	ts, srv := serveRegistriesWith(t, adapter.List{dtr.Registry, batch}, func(c *receiver.Config) {
		c.Drop = map[string][]string{"batch": {"org.example.batch.manifest.pull"}}
	})
	hook := ts.URL + "/hooks/batch/" + token

	// A blob event is dropped by the registry's own Drop; the manifest is stored.
	resp, body := request(t, "POST", hook, "application/json", `{"repos":["blob:acme/api","acme/api"]}`)
	raw, _ := json.Marshal(body)
	if resp.StatusCode != 202 || !strings.Contains(string(raw), `"ignored":true`) || strings.Count(string(raw), `"seq":1`) != 1 {
		t.Errorf("blob dropped, manifest kept: %d %s", resp.StatusCode, raw)
	}
	// The config's drop, with ?action=: nothing published, 200.
	resp, body = request(t, "POST", hook+"?action=pull", "application/json", `{"repos":["acme/api"]}`)
	if resp.StatusCode != 200 || body["ignored"] != true || body["id"] != adapter.EventID("batch", "manifest", "pull", "acme/api") || body["seq"] != nil {
		t.Errorf("dropped by the config: %d %v", resp.StatusCode, body)
	}
	// One bad element among good ones: the good are stored, the bad named.
	resp, body = request(t, "POST", hook, "application/json", `{"repos":["acme/web","nope","acme/db"]}`)
	rejected, _ := body["rejected"].([]any)
	if events, _ := body["events"].([]any); resp.StatusCode != 202 || len(events) != 2 || len(rejected) != 1 ||
		!reflect.DeepEqual(rejected[0], map[string]any{"index": float64(1), "field": "repos", "error": `"nope" is not namespace/name`}) {
		t.Errorf("rejected element: %d %v", resp.StatusCode, body)
	}
	natstest.ReadStream(t, srv.ClientURL(), "EVENTS", 3)
	// Only bad elements: the delivery is wrong.
	if resp, body = request(t, "POST", hook, "application/json", `{"repos":["nope"]}`); resp.StatusCode != 400 {
		t.Errorf("all rejected: %d %v", resp.StatusCode, body)
	}
	// A form with the JSON in payload.
	form := url.Values{"payload": {`{"repos":["acme/form"]}`}}.Encode()
	if resp, body = request(t, "POST", hook, "application/x-www-form-urlencoded", form); resp.StatusCode != 202 || body["subject"] != "acme/form" {
		t.Errorf("form: %d %v", resp.StatusCode, body)
	}
	// Sent to DTR's URL: told it is a Batch delivery.
	resp, body = request(t, "POST", ts.URL+"/hooks/dtr/"+token, "application/json", `{"repos":["acme/api"]}`)
	if resp.StatusCode != 400 || !contains(body["error"], "this is a Batch delivery, not a DTR one; send it to /hooks/batch/<token>") {
		t.Errorf("wrong route: %d %v", resp.StatusCode, body)
	}
	// DTR takes no form.
	if resp, _ = request(t, "POST", ts.URL+"/hooks/dtr/"+token, "application/x-www-form-urlencoded", form); resp.StatusCode != 415 {
		t.Errorf("a form to DTR: %d", resp.StatusCode)
	}
}

// TestPublishListKeepsOnlyWhatItNames: with publish set, only the types it
// names are published, the registry's own Drop included when named.
func TestPublishListKeepsOnlyWhatItNames(t *testing.T) {
	ts, _ := serveRegistriesWith(t, adapter.List{batch}, func(c *receiver.Config) {
		c.Publish = map[string][]string{"batch": {"org.example.batch.blob.*"}}
	})
	resp, body := request(t, "POST", ts.URL+"/hooks/batch/"+token, "application/json", `{"repos":["blob:acme/api","acme/api"]}`)
	events, _ := body["events"].([]any)
	if resp.StatusCode != 202 || len(events) != 2 {
		t.Fatalf("%d %v", resp.StatusCode, body)
	}
	blob, manifest := events[0].(map[string]any), events[1].(map[string]any)
	if blob["ignored"] != nil || blob["seq"] != float64(1) || manifest["ignored"] != true {
		t.Errorf("publish list: %v", events)
	}
}
