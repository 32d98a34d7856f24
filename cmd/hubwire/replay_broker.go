package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"

	natsgo "github.com/nats-io/nats.go"
	kafkago "github.com/segmentio/kafka-go"

	kafkasink "github.com/hubwire/hubwire/sinks/kafka"
	natssink "github.com/hubwire/hubwire/sinks/nats"
)

// brokerClient is how replay and tail find the broker hubwire serve uses,
// with the same --broker (HUBWIRE_BROKER) and authentication flags.
type brokerClient struct {
	url    string
	kind   string // "nats" or "kafka", from url
	stream string
	topic  string
	nats   natsAuth
	kafka  kafkaAuth
}

func (b *brokerClient) register(f *flags) {
	f.StringVar(&b.url, "broker", "nats://127.0.0.1:4222", "`URLs` of the broker hubwire serve uses: nats://host:4222[,…] or\nkafka://host:9092[,…] (the default is serve's embedded server)")
	f.StringVar(&b.stream, "stream", "HUBWIRE_EVENTS", "JetStream stream `name` of the events (NATS)")
	f.StringVar(&b.topic, "kafka-topic", "hubwire.events", "Kafka `topic` of the events")
	b.nats.register(f)
	b.kafka.register(f)
}

// check works out which broker --broker names.
func (b *brokerClient) check() error {
	kind, err := brokerKind(b.url)
	if err != nil {
		return err
	}
	b.kind = kind
	switch {
	case b.kind == "kafka" && b.topic == "":
		return errors.New("--kafka-topic is empty: name the topic hubwire serve publishes to")
	case b.kind == "nats" && b.stream == "":
		return errors.New("--stream is empty: name the stream hubwire serve publishes to")
	}
	return nil
}

// where names the events' place for messages.
func (b *brokerClient) where() string {
	if b.kind == "kafka" {
		return fmt.Sprintf("Kafka topic %s at %s", b.topic, b.url)
	}
	return fmt.Sprintf("stream %s at %s", b.stream, b.url)
}

// eventReader reads events from either broker.
type eventReader struct {
	kind string
	// pending is how many events there were to read when it started
	// (before --until and the checks of --type and --repo that no subject
	// filter could do).
	pending int64
	// undecodable counts the messages skipped as not CloudEvents.
	undecodable atomic.Int64
	warnf       func(string, ...any)
	read        func(ctx context.Context, fn func(record) error) error
	close       func()

	// The connection, for re-publishing to the same broker.
	nc             *natsgo.Conn
	kafkaBrokers   []string
	kafkaTransport *kafkago.Transport
}

// open connects and positions a reader as sel says; with follow, it reads
// on as new events come.
func (b *brokerClient) open(ctx context.Context, sel *selection, follow bool, warnf func(string, ...any)) (*eventReader, error) {
	r := &eventReader{kind: b.kind, warnf: warnf}
	if b.kind == "kafka" {
		if err := b.openKafka(ctx, r, sel, follow, warnf); err != nil {
			return nil, err
		}
		return r, nil
	}
	opts, err := b.nats.options()
	if err != nil {
		return nil, err
	}
	nc, err := natssink.Connect(b.url, opts...)
	if err != nil {
		return nil, err
	}
	subjects := natssink.FilterSubjects(natssink.DefaultSubjectPrefix, sel.natsPatterns())
	nr, err := natssink.NewReader(ctx, nc, natssink.ReplayConfig{
		Stream:    b.stream,
		Subjects:  subjects,
		StartSeq:  sel.fromSeq,
		StartTime: sel.since,
		Until:     sel.until,
		Follow:    follow,
	})
	if err != nil {
		nc.Close()
		return nil, err
	}
	r.nc, r.pending = nc, int64(nr.Pending())
	r.read = func(ctx context.Context, fn func(record) error) error {
		return nr.Read(ctx, func(s *natssink.Stored) error {
			return fn(record{msg: s, stored: s.Time, seq: s.Seq})
		})
	}
	r.close = func() { nr.Close(); nc.Close() }
	return r, nil
}

func (b *brokerClient) openKafka(ctx context.Context, r *eventReader, sel *selection, follow bool, warnf func(string, ...any)) error {
	auth, err := b.kafka.auth()
	if err != nil {
		return err
	}
	transport, err := auth.Transport()
	if err != nil {
		return fmt.Errorf("--kafka-sasl: %w", err)
	}
	dialer, err := auth.Dialer()
	if err != nil {
		return fmt.Errorf("--kafka-sasl: %w", err)
	}
	brokers := kafkaHosts(b.url)
	kr, err := kafkasink.NewReader(ctx, kafkasink.ReplayConfig{
		Brokers:   brokers,
		Topic:     b.topic,
		Transport: transport,
		Dialer:    dialer,
		Offsets:   sel.offsets,
		StartTime: sel.since,
		Until:     sel.until,
		Follow:    follow,
		Undecodable: func(partition int, offset int64, err error) {
			r.undecodable.Add(1)
			warnf("skipped the message at partition %d offset %d: not a CloudEvent (%v)", partition, offset, err)
		},
	})
	var netErr *net.OpError
	if errors.As(err, &netErr) {
		return fmt.Errorf("%w (is Kafka running and reachable? check --broker)", err)
	}
	if err != nil {
		return err
	}
	r.pending = kr.Pending()
	r.kafkaBrokers, r.kafkaTransport = brokers, transport
	r.read = func(ctx context.Context, fn func(record) error) error {
		return kr.Read(ctx, func(s kafkasink.Stored) error {
			return fn(record{msg: decodedEvent{s.Event}, stored: s.Time, partition: s.Partition, offset: s.Offset})
		})
	}
	r.close = func() { transport.CloseIdleConnections() }
	return nil
}
