package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter/adaptertest"
	"github.com/hubwire/hubwire/server"

	natsgo "github.com/nats-io/nats.go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/hubwire/hubwire/adapter/dockerhub"
	"github.com/hubwire/hubwire/adapter/dtr"
	"github.com/hubwire/hubwire/adapter/reply"
)

// kafkaAckCLI runs hubwire ack against a Kafka broker.
func kafkaAckCLI(t *testing.T, c *kfake.Cluster, args ...string) {
	t.Helper()
	var out bytes.Buffer
	if code := run(context.Background(), append([]string{"ack"}, append(args, "--broker", kafkaBroker(c))...), &out, &out, noEnv); code != 0 {
		t.Fatalf("hubwire ack: %d %s", code, out.String())
	}
	if !strings.Contains(out.String(), "sent to Kafka topic hubwire.acks") {
		t.Errorf("hubwire ack said %q", out.String())
	}
}

func kafkaReplyFlags(c *kfake.Cluster, extra ...string) []string {
	return append(append([]string{"--broker", kafkaBroker(c), "--kafka-create-topics", "--kafka-partitions", "3"}, allowTestCallbacks...), extra...)
}

func TestKafkaAckBecomesOneCallback(t *testing.T) {
	c := kafkaCluster(t)
	cb := newRegistryCallbacks(t, 200)
	inst := startHubwire(t, t.TempDir(), kafkaReplyFlags(c)...)
	id := deliver(t, inst, hubDelivery(t, cb.URL, "v1"))
	kafkaAckCLI(t, c, id, "--state", "success", "--description", "387 tests PASSED", "--consumer", "ci")
	waitFor(t, "the callback", func() bool { return len(cb.received()) == 1 })
	if b := cb.received()[0]; b["state"] != "success" || b["description"] != "387 tests PASSED" {
		t.Errorf("callback body %v", b)
	}
	kafkaAckCLI(t, c, id, "--state", "failure", "--consumer", "ci")
	waitFor(t, "the second ack in the record", func() bool {
		rec, err := getRecord(inst, id)
		return err == nil && len(rec.Acks) == 2 && rec.Callback.Outcome == reply.OutcomeSent
	})
	time.Sleep(300 * time.Millisecond)
	if n := len(cb.received()); n != 1 {
		t.Errorf("%d callbacks for one event", n)
	}
	if rec := eventRecord(t, inst, id); rec.Stored.Broker != "kafka" || len(rec.Callback.Attempts) != 1 || rec.Callback.Attempts[0].Status != 200 {
		t.Errorf("record %+v", rec)
	}
}

func TestKafkaAckWhileHubwireIsDown(t *testing.T) {
	c := kafkaCluster(t)
	cb := newRegistryCallbacks(t, 200)
	first := startHubwire(t, t.TempDir(), kafkaReplyFlags(c)...)
	id := deliver(t, first, hubDelivery(t, cb.URL, "v1"))
	if err := first.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	kafkaAckCLI(t, c, id, "--state", "success")
	second := startHubwire(t, t.TempDir(), kafkaReplyFlags(c)...)
	waitFor(t, "the callback after the restart", func() bool { return len(cb.received()) == 1 })
	waitFor(t, "the outcome", func() bool {
		rec, err := getRecord(second, id)
		return err == nil && rec.Callback.Outcome == reply.OutcomeSent
	})
	time.Sleep(300 * time.Millisecond)
	if n := len(cb.received()); n != 1 {
		t.Errorf("%d callbacks", n)
	}
}

func TestKafkaTwoReplicasPostOnce(t *testing.T) {
	c := kafkaCluster(t)
	cb := newRegistryCallbacks(t, 200)
	a := startHubwire(t, t.TempDir(), kafkaReplyFlags(c)...)
	b := startHubwire(t, t.TempDir(), kafkaReplyFlags(c)...)
	var ids []string
	for i := range 10 {
		replica := a
		if i%2 == 1 {
			replica = b
		}
		ids = append(ids, deliver(t, replica, hubDelivery(t, cb.URL, fmt.Sprintf("v%d", i))))
	}
	for _, id := range ids {
		kafkaAckCLI(t, c, id, "--state", "success")
		kafkaAckCLI(t, c, id, "--state", "success")
	}
	waitFor(t, "10 callbacks", func() bool { return len(cb.received()) >= 10 })
	time.Sleep(500 * time.Millisecond)
	if n := len(cb.received()); n != 10 {
		t.Errorf("%d callbacks for 10 events", n)
	}
}

func TestKafkaRequiredConsumersTimeout(t *testing.T) {
	c := kafkaCluster(t)
	cb := newRegistryCallbacks(t, 200)
	inst := startHubwire(t, t.TempDir(), kafkaReplyFlags(c, "--required-consumers", "ci,scanner", "--ack-timeout", "2s")...)
	id := deliver(t, inst, hubDelivery(t, cb.URL, "v1"))
	kafkaAckCLI(t, c, id, "--state", "success", "--consumer", "ci")
	waitFor(t, "the timeout's callback", func() bool { return len(cb.received()) == 1 })
	if b := cb.received()[0]; b["state"] != "error" || b["description"] != "no answer from scanner within 2s" {
		t.Errorf("callback %v", b)
	}
}

// TestAckBeforeItsEvent: a consumer quick enough can ack before the
// event's record lands (it is written while the event is published); the
// ack starts the record, the receipt joins it, and the callback goes out,
// on either broker.
func TestAckBeforeItsEvent(t *testing.T) {
	for _, broker := range []string{"nats", "kafka"} {
		t.Run(broker, func(t *testing.T) {
			cb := newRegistryCallbacks(t, 200)
			body := hubDelivery(t, cb.URL, "early")
			d, err := adaptertest.DecodeOne(dockerhub.New("http://x/schemas/"), body)
			if err != nil {
				t.Fatal(err)
			}
			id := d.Event.ID()
			var inst *server.Server
			if broker == "kafka" {
				c := kafkaCluster(t)
				inst = startHubwire(t, t.TempDir(), kafkaReplyFlags(c)...)
				kafkaAckCLI(t, c, id, "--state", "success")
			} else {
				inst = startHubwire(t, t.TempDir(), allowTestCallbacks...)
				nc, err := natsgo.Connect(natsURLOf(inst))
				if err != nil {
					t.Fatal(err)
				}
				defer nc.Close()
				nc.Publish(reply.AckSubjectPrefix+"."+id, []byte(`{"consumer":"ci","state":"success"}`))
				nc.Flush()
			}
			time.Sleep(300 * time.Millisecond)
			if got := deliver(t, inst, body); got != id {
				t.Fatalf("event id %s, computed %s", got, id)
			}
			waitFor(t, "the callback", func() bool { return len(cb.received()) == 1 })
			// On Kafka, GET reads a view that follows the records topic.
			var rec reply.Record
			waitFor(t, "the record of the callback", func() bool {
				rec = eventRecord(t, inst, id)
				return rec.Callback.Outcome == reply.OutcomeSent
			})
			if rec.ReceivedAt.IsZero() || rec.Type != "com.docker.hub.push" || len(rec.Acks) != 1 || rec.Decision == nil || !strings.HasPrefix(rec.Decision.Why, "first ack") {
				t.Errorf("record %+v", rec)
			}
		})
	}
}

// TestAckOfAnEventWithoutCallback: an event with no callback_url (all of
// DTR's) has no record until it is acked, but GET /api/events/<id> shows
// it from the broker; the ack is taken and starts the record, which GET
// then shows too, on either broker.
func TestAckOfAnEventWithoutCallback(t *testing.T) {
	for _, broker := range []string{"nats", "kafka"} {
		t.Run(broker, func(t *testing.T) {
			var inst *server.Server
			var ack func(args ...string)
			if broker == "kafka" {
				c := kafkaCluster(t)
				inst = startHubwire(t, t.TempDir(), kafkaReplyFlags(c)...)
				ack = func(args ...string) { kafkaAckCLI(t, c, args...) }
			} else {
				inst = startHubwire(t, t.TempDir())
				ack = func(args ...string) {
					if code, out := ackCLI(t, natsURLOf(inst), args...); code != 0 || !strings.Contains(out, "taken") {
						t.Fatalf("hubwire ack: %d %s", code, out)
					}
				}
			}
			body, err := dtr.Samples.ReadFile("samples/tag-pull.json")
			if err != nil {
				t.Fatal(err)
			}
			a := post(t, inst.WebhookURL("dtr"), "application/json", body)
			if a.status != http.StatusAccepted {
				t.Fatalf("delivery: %d %v", a.status, a.body)
			}
			id := a.body["id"].(string)
			// History reads the events stream or topic: an event no one
			// acked shows, where it was stored as the 202 said.
			rec, err := getRecord(inst, id)
			partition, _ := a.body["partition"].(float64)
			if err != nil || rec.ReceivedAt.IsZero() || rec.Stored.Stream == "" || rec.Stored.Seq != uint64(a.body["seq"].(float64)) ||
				rec.Stored.Partition != int(partition) || rec.Subject != "foo/bar:latest" || len(rec.Event) == 0 {
				t.Errorf("an event no one acked: %+v %v", rec, err)
			}
			// The API names where it is stored as the 202 did, Kafka's
			// first offset (0) included.
			if code, raw := apiGet(t, inst, "/api/events/"+id, true); code != http.StatusOK || !strings.Contains(string(raw), fmt.Sprintf(`"seq":%d`, rec.Stored.Seq)) {
				t.Errorf("GET /api/events/%s: %d %s", id, code, raw)
			}
			if _, err := getRecord(inst, "0123456789abcdef0123456789abcdef"); err == nil || !strings.Contains(err.Error(), "404") {
				t.Errorf("GET /api/events/<id> of an event never stored: %v", err)
			}
			ack(id, "--state", "success", "--consumer", "ci", "--description", "pulled")
			ack(id, "--state", "failure", "--consumer", "scanner")
			waitFor(t, "the record of both acks", func() bool {
				rec, err = getRecord(inst, id)
				return err == nil && len(rec.Acks) == 2
			})
			if rec.ID != id || rec.ReceivedAt.IsZero() || rec.Decision != nil || rec.Callback.Outcome != reply.OutcomeNone ||
				rec.Acks[0].Consumer != "ci" || rec.Acks[0].Description != "pulled" || rec.Acks[1].State != reply.Failure {
				t.Errorf("record %+v", rec)
			}
		})
	}
}
