// Package sarama checks that the CloudEvents SDK's Kafka binding
// (protocol/kafka_sarama) reads the records hubwire's Kafka sink produces,
// in both content modes. It is a module of its own so that the binding's
// dependencies (IBM/sarama and what it needs) stay out of hubwire's go.mod;
// `make interop`, part of `make test`, runs it.
package sarama

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	cesarama "github.com/cloudevents/sdk-go/protocol/kafka_sarama/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/hubwire/hubwire/sinks"
	"github.com/hubwire/hubwire/sinks/kafka"
)

const topic = "hubwire.events"

func testEvent(repo string, n int) *event.Event {
	e := event.New()
	e.SetID(fmt.Sprintf("%s-%d", repo, n))
	e.SetSource("urn:hubwire:dtr:" + repo)
	e.SetType("com.docker.dtr.tag.pull")
	e.SetSubject(repo + ":latest")
	e.SetTime(time.Date(2024, 1, 1, 0, 0, n, 0, time.UTC))
	e.SetDataSchema("http://127.0.0.1:8080/schemas/dtr.tag.pull.json")
	e.SetExtension("partitionkey", repo)
	e.SetExtension("repository", repo)
	e.SetData(event.ApplicationJSON, json.RawMessage(fmt.Sprintf(`{"repository":%q,"n":%d}`, repo, n)))
	return &e
}

// TestSDKKafkaBindingReadsHubwireRecords publishes events with hubwire's
// Kafka sink to an in-process cluster (kfake), reads the records back with
// kafka-go and decodes each with the SDK's kafka_sarama binding. It also
// holds kafka.ToEvent, with which hubwire's own tests decode records, to
// reading the same events as the binding.
func TestSDKKafkaBindingReadsHubwireRecords(t *testing.T) {
	for _, mode := range []sinks.Mode{sinks.Binary, sinks.Structured} {
		t.Run(string(mode), func(t *testing.T) {
			c, err := kfake.NewCluster(kfake.SeedTopics(2, topic)) // on free loopback ports
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := kafka.New(ctx, kafka.Config{Brokers: c.ListenAddrs(), Topic: topic, Mode: mode, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			sent := map[string]*event.Event{}
			for _, repo := range []string{"acme/api", "tools/ci"} {
				for n := range 3 {
					e := testEvent(repo, n)
					if _, err := s.Publish(ctx, sinks.Address{}, e); err != nil {
						t.Fatal(err)
					}
					sent[e.ID()] = e
				}
			}

			r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: c.ListenAddrs(), GroupID: "interop", Topic: topic, MaxWait: 200 * time.Millisecond, StartOffset: kafkago.FirstOffset})
			defer r.Close()
			for want := len(sent); want > 0; want-- {
				m, err := r.ReadMessage(ctx)
				if err != nil {
					t.Fatalf("%d records not read: %v", want, err)
				}
				headers := map[string][]byte{}
				var contentType string
				for _, h := range m.Headers {
					headers[h.Key] = h.Value
					if h.Key == "content-type" {
						contentType = string(h.Value)
					}
				}
				if mode == sinks.Structured && (contentType != sinks.StructuredContentType || headers["ce_id"] != nil) {
					t.Errorf("structured record with headers %v", m.Headers)
				}
				got, err := binding.ToEvent(ctx, cesarama.NewMessage(m.Value, contentType, headers))
				if err != nil {
					t.Fatalf("SDK cannot decode the record at %d/%d: %v", m.Partition, m.Offset, err)
				}
				want, ok := sent[got.ID()]
				if !ok {
					t.Fatalf("record %s was never sent, or read twice", got.ID())
				}
				delete(sent, got.ID())
				if got.Type() != want.Type() || got.Source() != want.Source() || string(got.Data()) != string(want.Data()) {
					t.Errorf("decoded id %s type %s source %s data %s", got.ID(), got.Type(), got.Source(), got.Data())
				}
				for name, v := range want.Extensions() {
					if got.Extensions()[name] != v {
						t.Errorf("%s: extension %s is %v, sent %v", got.ID(), name, got.Extensions()[name], v)
					}
				}
				if string(m.Key) != got.Extensions()["partitionkey"] {
					t.Errorf("%s: key %q", got.ID(), m.Key)
				}
				a, _ := json.Marshal(want)
				b, _ := json.Marshal(got)
				if string(a) != string(b) {
					t.Errorf("decoded event differs:\n sent %s\n  got %s", a, b)
				}
				own, err := kafka.ToEvent(ctx, m)
				if err != nil {
					t.Fatalf("kafka.ToEvent cannot decode what the SDK can: %v", err)
				}
				if c, _ := json.Marshal(own); string(c) != string(b) {
					t.Errorf("kafka.ToEvent and the SDK's binding differ:\n binding %s\n ToEvent %s", b, c)
				}
			}
		})
	}
}
