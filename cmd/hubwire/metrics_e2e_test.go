package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	natsgo "github.com/nats-io/nats.go"

	"github.com/hubwire/hubwire/adapter/dtr"
	"github.com/hubwire/hubwire/adapter/reply"
)

func TestMetrics(t *testing.T) {
	cb := newRegistryCallbacks(t, 200)
	inst := startHubwire(t, t.TempDir(), allowTestCallbacks...)
	push, _ := dtr.Samples.ReadFile("samples/tag-push.json")
	post(t, inst.WebhookURL("dtr"), "application/json", push)
	post(t, inst.WebhookURL("dtr"), "application/json", push) // a duplicate
	post(t, inst.WebhookURL("dtr"), "application/json", []byte(`{"type":"NOPE"}`))
	post(t, inst.PublicURL()+"/hooks/dtr/wrong-token-wrong-token", "application/json", push)
	id := deliver(t, inst, hubDelivery(t, cb.URL, "v1"))
	if code, out := ackCLI(t, natsURLOf(inst), id, "--state", "success"); code != 0 {
		t.Fatal(out)
	}
	// An ack with no reply subject, for something that is no event id: the
	// acks stream keeps it, and the subscriber refuses it (counted).
	nc, err := natsgo.Connect(natsURLOf(inst))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Publish(reply.AckSubjectPrefix+".build-42", []byte(`{"consumer":"ci","state":"success"}`))
	nc.Flush()
	waitFor(t, "the callback", func() bool { return len(cb.received()) == 1 })

	var text string
	waitFor(t, "the ack and callback counters", func() bool {
		resp, err := http.Get(inst.PublicURL() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		text = string(b)
		return strings.Contains(text, `hubwire_callbacks_total{outcome="sent"} 1`) && strings.Contains(text, `hubwire_acks_total{result="invalid"} 1`)
	})
	for _, want := range []string{
		`hubwire_webhook_requests_total{reason="accepted",source="dtr",status="202"} 2`,
		`hubwire_webhook_requests_total{reason="bad_request",source="dtr",status="400"} 1`,
		`hubwire_webhook_requests_total{reason="not_found",source="dtr",status="404"} 1`,
		`hubwire_webhook_requests_total{reason="accepted",source="dockerhub",status="202"} 1`,
		`hubwire_events_published_total{broker="nats",source="dtr",type="com.docker.dtr.tag.push"} 1`,
		`hubwire_events_published_total{broker="nats",source="dockerhub",type="com.docker.hub.push"} 1`,
		`hubwire_events_duplicate_total{broker="nats",source="dtr"} 1`,
		`hubwire_publish_duration_seconds_count{broker="nats"} 3`,
		`hubwire_acks_total{result="taken"} 1`,
		`hubwire_acks_total{result="invalid"} 1`,
		`hubwire_callbacks_total{outcome="sent"} 1`,
		`hubwire_record_write_errors_total{operation="outcome"} 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(text, inst.Token()) || strings.Contains(text, "acme") || strings.Contains(text, "foo/bar") {
		t.Error("/metrics holds the token or a repository name")
	}
}
