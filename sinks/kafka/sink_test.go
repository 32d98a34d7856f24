package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/hubwire/hubwire/sinks"
)

const topic = "hubwire.events"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func cluster(t *testing.T, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(opts...) // on free loopback ports
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func newSink(t *testing.T, c *kfake.Cluster, cfg Config) *Sink {
	t.Helper()
	cfg.Brokers = c.ListenAddrs()
	if cfg.Topic == "" {
		cfg.Topic = topic
	}
	cfg.Logger = quiet
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

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

// readGroup reads want records of the topic as one member of a consumer
// group, with kafka-go's Reader, and fails on one more.
func readGroup(t *testing.T, brokers []string, group string, want int) []kafkago.Message {
	t.Helper()
	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: brokers, GroupID: group, Topic: topic, MaxWait: 200 * time.Millisecond, StartOffset: kafkago.FirstOffset})
	defer r.Close()
	var out []kafkago.Message
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for len(out) < want {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("read %d of %d records: %v", len(out), want, err)
		}
		out = append(out, m)
	}
	extra, cancelExtra := context.WithTimeout(context.Background(), time.Second)
	defer cancelExtra()
	if m, err := r.ReadMessage(extra); err == nil {
		t.Fatalf("more than %d records; one more at offset %d", want, m.Offset)
	}
	return out
}

func header(m kafkago.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// decode reads a record with ToEvent, the CloudEvents SDK's binding over
// kafka-go's records. That the SDK's own Kafka binding (kafka_sarama) reads
// these records, and as ToEvent does, is checked in interop/sarama, a
// module of its own so that this one needs no sarama.
func decode(t *testing.T, m kafkago.Message) *event.Event {
	t.Helper()
	e, err := ToEvent(context.Background(), m)
	if err != nil {
		t.Fatalf("cannot decode the record at offset %d: %v", m.Offset, err)
	}
	return e
}

func TestEveryEventArrivesOnceInOrderPerRepository(t *testing.T) {
	for _, brokers := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d brokers", brokers), func(t *testing.T) {
			c := cluster(t, kfake.NumBrokers(brokers), kfake.SeedTopics(6, topic))
			if n := len(c.ListenAddrs()); n != brokers {
				t.Fatalf("cluster has %d brokers", n)
			}
			s := newSink(t, c, Config{})
			repos := []string{"acme/api", "acme/web", "tools/ci", "library/nginx", "team/a.b"}
			const perRepo = 40
			sent := map[string]*event.Event{}
			var mu sync.Mutex
			var wg sync.WaitGroup
			errs := make(chan error, len(repos))
			// Each repository's events are published one after the other,
			// the repositories concurrently, so batches mix repositories.
			for _, repo := range repos {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for n := range perRepo {
						e := testEvent(repo, n)
						ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
						r, err := s.Publish(ctx, sinks.Address{}, e)
						cancel()
						if err != nil {
							errs <- err
							return
						}
						if r.Broker != "kafka" || r.Stream != topic {
							errs <- fmt.Errorf("receipt %+v", r)
							return
						}
						mu.Lock()
						sent[e.ID()] = e
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}

			records := readGroup(t, c.ListenAddrs(), "once", len(repos)*perRepo)
			last := map[string]int{}
			partitionOf := map[string]int{}
			for _, m := range records {
				for _, h := range []string{"ce_specversion", "ce_id", "ce_source", "ce_type", "ce_subject", "ce_time", "ce_dataschema", "ce_partitionkey", "ce_repository", "content-type"} {
					if header(m, h) == "" {
						t.Fatalf("record at %d/%d lacks header %s: %v", m.Partition, m.Offset, h, m.Headers)
					}
				}
				got := decode(t, m)
				want, ok := sent[got.ID()]
				if !ok {
					t.Fatalf("record %s was never sent", got.ID())
				}
				delete(sent, got.ID())
				a, _ := json.Marshal(want)
				b, _ := json.Marshal(got)
				if string(a) != string(b) {
					t.Errorf("decoded event differs:\n sent %s\n  got %s", a, b)
				}
				repo := string(m.Key)
				if repo != header(m, "ce_partitionkey") {
					t.Errorf("key %q, partitionkey %q", repo, header(m, "ce_partitionkey"))
				}
				if p, seen := partitionOf[repo]; seen && p != m.Partition {
					t.Errorf("%s on partitions %d and %d", repo, p, m.Partition)
				}
				partitionOf[repo] = m.Partition
				var data struct{ N int }
				json.Unmarshal(m.Value, &data)
				if prev, seen := last[repo]; seen && data.N != prev+1 {
					t.Errorf("%s: event %d after %d", repo, data.N, prev)
				}
				last[repo] = data.N
			}
			if len(sent) != 0 {
				t.Errorf("%d events acknowledged but not read", len(sent))
			}
			used := map[int]bool{}
			for _, p := range partitionOf {
				used[p] = true
			}
			if len(used) < 2 {
				t.Errorf("all repositories on one partition: %v", partitionOf)
			}
		})
	}
}

func TestStructuredMode(t *testing.T) {
	c := cluster(t, kfake.SeedTopics(1, topic))
	s := newSink(t, c, Config{Mode: sinks.Structured})
	sent := testEvent("acme/api", 1)
	if _, err := s.Publish(context.Background(), sinks.Address{}, sent); err != nil {
		t.Fatal(err)
	}
	m := readGroup(t, c.ListenAddrs(), "structured", 1)[0]
	if header(m, "content-type") != sinks.StructuredContentType || header(m, "ce_id") != "" || string(m.Key) != "acme/api" {
		t.Errorf("headers %v key %q", m.Headers, m.Key)
	}
	got := decode(t, m)
	if got.ID() != sent.ID() || string(got.Data()) != string(sent.Data()) {
		t.Errorf("decoded %v", got)
	}
}

func TestMissingTopic(t *testing.T) {
	c := cluster(t)
	_, err := New(context.Background(), Config{Brokers: c.ListenAddrs(), Topic: "absent", Logger: quiet})
	if err == nil || !strings.Contains(err.Error(), "topic absent does not exist") || !strings.Contains(err.Error(), "--kafka-create-topics") {
		t.Errorf("got %v", err)
	}
}

func TestCreateTopics(t *testing.T) {
	c := cluster(t, kfake.NumBrokers(3))
	s := newSink(t, c, Config{Topic: "made.here", AcksTopic: "made.acks", CreateTopics: true, Partitions: 4, ReplicationFactor: 3})
	if len(s.partitions) != 4 {
		t.Errorf("events topic has %d partitions", len(s.partitions))
	}
	if info := c.TopicInfo("made.acks"); info == nil || len(c.PartitionInfos("made.acks")) != 4 {
		t.Errorf("acks topic not created: %+v", info)
	}
}

func TestBrokerGoneFailsWithinTheDeadline(t *testing.T) {
	c := cluster(t, kfake.SeedTopics(1, topic))
	s := newSink(t, c, Config{})
	c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	// Publish returns (an error) rather than hang: the deadline bounds it.
	if _, err := s.Publish(ctx, sinks.Address{}, testEvent("acme/api", 1)); err == nil {
		t.Fatal("publish to a closed cluster succeeded")
	}
	if err := s.Ready(context.Background()); err == nil {
		t.Error("ready with the cluster closed")
	}
}

func TestSASL(t *testing.T) {
	for _, mech := range SASLMechanisms {
		t.Run(mech, func(t *testing.T) {
			c := cluster(t, kfake.EnableSASL(), kfake.Superuser(mech, "hubwire", "s3cret"), kfake.SeedTopics(1, topic))
			good, err := Auth{SASLMechanism: mech, User: "hubwire", Password: "s3cret"}.Transport()
			if err != nil {
				t.Fatal(err)
			}
			s := newSink(t, c, Config{Transport: good})
			if _, err := s.Publish(context.Background(), sinks.Address{}, testEvent("acme/api", 1)); err != nil {
				t.Fatalf("publish with SASL %s: %v", mech, err)
			}
			bad, _ := Auth{SASLMechanism: mech, User: "hubwire", Password: "wrong"}.Transport()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, err := New(ctx, Config{Brokers: c.ListenAddrs(), Topic: topic, Transport: bad, Logger: quiet}); err == nil {
				t.Error("wrong password accepted")
			}
		})
	}
	if _, err := (Auth{SASLMechanism: "GSSAPI", User: "x"}).Transport(); err == nil || !strings.Contains(err.Error(), "want one of PLAIN") {
		t.Errorf("unknown mechanism: %v", err)
	}
}

func TestRecordTooLargeForTheTopic(t *testing.T) {
	c := cluster(t)
	if err := c.CreateTopic(topic, 1, map[string]string{"max.message.bytes": "2000"}); err != nil {
		t.Fatal(err)
	}
	s := newSink(t, c, Config{})
	e := testEvent("acme/api", 1)
	e.SetData(event.ApplicationJSON, json.RawMessage(`{"pad":"`+strings.Repeat("x", 5000)+`"}`))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := s.Publish(ctx, sinks.Address{}, e); !errors.Is(err, sinks.ErrTooLarge) {
		t.Errorf("want ErrTooLarge, got %v", err)
	}
}

// Kafka going away and coming back is one WARN line and one INFO line in
// the log, however many produces fail in between.
func TestLogsWhenKafkaGoesAndComesBack(t *testing.T) {
	c1 := cluster(t, kfake.SeedTopics(1, topic))
	addr := c1.ListenAddrs()[0]
	_, portText, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portText)
	var log syncLog
	s := newSink(t, c1, Config{})
	s.cfg.Logger = slog.New(slog.NewTextHandler(&log, nil))
	publish := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		_, err := s.Publish(ctx, sinks.Address{}, testEvent("acme/api", 1))
		return err
	}
	if err := publish(); err != nil {
		t.Fatal(err)
	}
	c1.Close()
	for range 3 {
		if publish() == nil {
			t.Fatal("publish to a closed cluster succeeded")
		}
	}
	cluster(t, kfake.Ports(port), kfake.SeedTopics(1, topic))
	deadline := time.Now().Add(20 * time.Second)
	for publish() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("no publish to the new cluster:\n%s", log.String())
		}
	}
	text := log.String()
	if strings.Count(text, "level=WARN msg=\"Kafka unreachable") != 1 || strings.Count(text, "level=INFO msg=\"Kafka reachable again") != 1 ||
		strings.Index(text, "Kafka unreachable") > strings.Index(text, "Kafka reachable again") {
		t.Errorf("want one unreachable WARN, then one reachable again INFO:\n%s", text)
	}
}

type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
