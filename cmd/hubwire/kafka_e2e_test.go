package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/hubwire/hubwire/schemas/schematest"
	kafkasink "github.com/hubwire/hubwire/sinks/kafka"
)

func kafkaCluster(t *testing.T, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func kafkaBroker(c *kfake.Cluster) string {
	var urls []string
	for _, a := range c.ListenAddrs() {
		urls = append(urls, "kafka://"+a)
	}
	return strings.Join(urls, ",")
}

// TestKafkaEndToEnd runs hubwire serve against a three-broker Kafka
// cluster, posts every sample, and reads the topic back with kafka-go and
// the CloudEvents SDK's binding (through kafkasink.ToEvent; interop/sarama
// checks that the SDK's own Kafka binding reads hubwire's records alike).
func TestKafkaEndToEnd(t *testing.T) {
	c := kafkaCluster(t, kfake.NumBrokers(3))
	inst := startHubwire(t, t.TempDir(), "--broker", kafkaBroker(c), "--kafka-create-topics", "--kafka-partitions", "4", "--kafka-replication-factor", "3")
	if inst.EmbeddedURL() != "" {
		t.Fatal("embedded NATS started with a Kafka broker")
	}
	validator, err := schematest.NewValidator(inst.PublicURL() + "/schemas/")
	if err != nil {
		t.Fatal(err)
	}
	accepted := map[string]map[string]any{}
	want := 0
	for _, f := range fixtures(t) {
		a := f.deliver(t, inst, f.body)
		for _, r := range receipts(a) {
			if r["ignored"] == true {
				continue
			}
			if r["broker"] != "kafka" || r["stream"] != "hubwire.events" {
				t.Fatalf("%s/%s: %d %v", f.source, f.name, a.status, a.body)
			}
			accepted[r["id"].(string)] = r
			want++
		}
	}
	// Kafka stores repeats: every event is a record (the three copies
	// of the 2014 Hub push included), and consumers drop repeats by id.
	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: c.ListenAddrs(), GroupID: "e2e", Topic: "hubwire.events", MaxWait: 200 * time.Millisecond})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for range want {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		e, err := kafkasink.ToEvent(ctx, m)
		if err != nil {
			t.Fatalf("cannot decode record %d/%d: %v", m.Partition, m.Offset, err)
		}
		a, ok := accepted[e.ID()]
		if !ok {
			t.Fatalf("record %s was not answered 202", e.ID())
		}
		if e.Type() != a["type"] || e.Subject() != a["subject"] || string(m.Key) != e.Extensions()["partitionkey"] {
			t.Errorf("record %s: type %s subject %s key %s", e.ID(), e.Type(), e.Subject(), m.Key)
		}
		if err := validator.Validate(e.DataSchema(), e.Data()); err != nil {
			t.Error(err)
		}
	}
}

// TestKafkaRecordReadByKcat has a client we did not write, librdkafka's
// kcat, read a record hubwire produced.
func TestKafkaRecordReadByKcat(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("kcat is not installed; .ci/run installs it (apt-get install kcat)")
		}
		t.Skip("kcat is not installed (apt-get install kcat); CI runs this test")
	}
	c := kafkaCluster(t, kfake.SeedTopics(1, "hubwire.events"))
	inst := startHubwire(t, t.TempDir(), "--broker", kafkaBroker(c))
	body, _ := os.ReadFile("../../adapter/dtr/samples/scan-completed.json")
	a := post(t, inst.WebhookURL("dtr"), "application/json", body)
	if a.status != 202 {
		t.Fatalf("%d %v", a.status, a.body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, kcat, "-C", "-b", c.ListenAddrs()[0], "-t", "hubwire.events", "-o", "beginning", "-c", "1", "-e", "-J").CombinedOutput()
	if err != nil {
		t.Fatalf("kcat: %v\n%s", err, out)
	}
	var rec struct {
		Key     string   `json:"key"`
		Payload string   `json:"payload"`
		Headers []string `json:"headers"`
	}
	if err := json.Unmarshal(out[strings.Index(string(out), "{"):], &rec); err != nil {
		t.Fatalf("kcat output: %v\n%s", err, out)
	}
	headers := map[string]string{}
	for i := 0; i+1 < len(rec.Headers); i += 2 {
		headers[rec.Headers[i]] = rec.Headers[i+1]
	}
	if rec.Key != "foo/bar" || headers["ce_id"] != a.body["id"] || headers["ce_type"] != "com.docker.dtr.scan.completed" ||
		headers["ce_specversion"] != "1.0" || headers["ce_partitionkey"] != "foo/bar" || headers["content-type"] != "application/json" ||
		headers["ce_subject"] != "foo/bar:latest" || headers["ce_time"] != "2019-05-15T19:50:12Z" {
		t.Errorf("kcat read key %q headers %v", rec.Key, headers)
	}
	if !strings.Contains(rec.Payload, `"critical":2`) {
		t.Errorf("payload %s", rec.Payload)
	}
}

// TestKafkaDownIs503 stops the cluster under a running hubwire: deliveries
// are answered 503 with Retry-After within the publish timeout, never 202.
func TestKafkaDownIs503WithoutSpool(t *testing.T) {
	c := kafkaCluster(t, kfake.SeedTopics(1, "hubwire.events"))
	inst := startHubwire(t, t.TempDir(), "--broker", kafkaBroker(c), "--publish-timeout", "2s", "--spool-max-bytes", "0")
	f := fixtures(t)[0]
	if a := post(t, inst.WebhookURL(f.source), "application/json", f.body); a.status != 202 {
		t.Fatalf("%d %v", a.status, a.body)
	}
	c.Close()
	g := fixtures(t)[1]
	a := post(t, inst.WebhookURL(g.source), "application/json", g.body)
	if a.status != 503 || a.header.Get("Retry-After") == "" {
		t.Errorf("with Kafka down: %d %v", a.status, a.body)
	}
}

func TestKafkaMissingTopicStopsStart(t *testing.T) {
	c := kafkaCluster(t)
	cfg, err := parseServe([]string{"--broker", kafkaBroker(c), "--data-dir", t.TempDir(), "--http-addr", "127.0.0.1:0"}, nil, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	_, err = start(context.Background(), cfg, quietLog)
	if err == nil || !strings.Contains(err.Error(), "--kafka-create-topics") {
		t.Errorf("got %v", err)
	}
}

// TestKafkaTLS connects to a broker that speaks only TLS, trusting its
// certificate through --kafka-tls-ca; without it, start fails.
func TestKafkaTLS(t *testing.T) {
	serverTLS, caFile := selfSignedTLS(t)
	c := kafkaCluster(t, kfake.TLS(serverTLS), kfake.SeedTopics(1, "hubwire.events"))
	inst := startHubwire(t, t.TempDir(), "--broker", kafkaBroker(c), "--kafka-tls-ca", caFile)
	f := fixtures(t)[0]
	if a := post(t, inst.WebhookURL(f.source), "application/json", f.body); a.status != 202 {
		t.Errorf("over TLS: %d %v", a.status, a.body)
	}
	cfg, err := parseServe([]string{"--broker", kafkaBroker(c), "--data-dir", t.TempDir(), "--http-addr", "127.0.0.1:0"}, nil, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := start(ctx, cfg, quietLog); err == nil {
		t.Error("started without TLS against a TLS-only broker")
	}
}
