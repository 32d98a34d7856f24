package replay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"

	natsgo "github.com/nats-io/nats.go"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/hubwire/hubwire/internal/redact"
	kafkasink "github.com/hubwire/hubwire/sinks/kafka"
	natssink "github.com/hubwire/hubwire/sinks/nats"
)

// Broker is where the events are stored: set one of NATS and Kafka.
type Broker struct {
	NATS  *NATS
	Kafka *Kafka
}

// NATS is a NATS server or cluster and the JetStream stream of the events.
type NATS struct {
	// URL is one or more nats:// URLs, comma-separated, as natsgo.Connect
	// takes them.
	URL string
	// Options carry the authentication and TLS settings.
	Options []natsgo.Option
	Stream  string
}

// Kafka is a Kafka cluster and the topic of the events.
type Kafka struct {
	// URL names the cluster in messages, as the user gave it; Brokers
	// are what is dialled (host:port).
	URL     string
	Brokers []string
	Topic   string
	// Transport (metadata, offsets, re-publishing) and Dialer (the
	// partitions' readers) carry the TLS and SASL settings; nil is plain
	// TCP.
	Transport *kafkago.Transport
	Dialer    *kafkago.Dialer
}

// where names the events' place for messages.
func (b Broker) where() string {
	if b.Kafka != nil {
		return fmt.Sprintf("Kafka topic %s at %s", b.Kafka.Topic, redact.URLs(b.Kafka.URL))
	}
	return fmt.Sprintf("stream %s at %s", b.NATS.Stream, redact.URLs(b.NATS.URL))
}

// eventReader reads events from either broker.
type eventReader struct {
	kafka bool
	// pending is how many events there were to read when it started
	// (before Until and the checks of types and repositories that no
	// subject filter could do).
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
func open(ctx context.Context, b Broker, sel *Selection, follow bool, warnf func(string, ...any)) (*eventReader, error) {
	r := &eventReader{warnf: warnf}
	switch {
	case b.Kafka != nil:
		if err := r.openKafka(ctx, b.Kafka, sel, follow); err != nil {
			return nil, err
		}
		return r, nil
	case b.NATS == nil:
		return nil, errors.New("replay: no broker to read from")
	}
	nc, err := natssink.Connect(b.NATS.URL, b.NATS.Options...)
	if err != nil {
		return nil, err
	}
	nr, err := natssink.NewReader(ctx, nc, natssink.ReplayConfig{
		Stream:    b.NATS.Stream,
		Subjects:  natssink.FilterSubjects(natssink.DefaultSubjectPrefix, sel.natsPatterns()),
		StartSeq:  sel.FromSeq,
		StartTime: sel.Since,
		Until:     sel.Until,
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

func (r *eventReader) openKafka(ctx context.Context, k *Kafka, sel *Selection, follow bool) error {
	r.kafka = true
	transport := k.Transport
	if transport == nil {
		transport = &kafkago.Transport{ClientID: "hubwire"}
	}
	kr, err := kafkasink.NewReader(ctx, kafkasink.ReplayConfig{
		Brokers:   k.Brokers,
		Topic:     k.Topic,
		Transport: transport,
		Dialer:    k.Dialer,
		Offsets:   sel.Offsets,
		StartTime: sel.Since,
		Until:     sel.Until,
		Follow:    follow,
		Undecodable: func(partition int, offset int64, err error) {
			r.undecodable.Add(1)
			r.warnf("skipped the message at partition %d offset %d: not a CloudEvent (%v)", partition, offset, err)
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
	r.kafkaBrokers, r.kafkaTransport = k.Brokers, transport
	r.read = func(ctx context.Context, fn func(record) error) error {
		return kr.Read(ctx, func(s kafkasink.Stored) error {
			return fn(record{msg: decodedEvent{s.Event}, stored: s.Time, partition: s.Partition, offset: s.Offset})
		})
	}
	r.close = func() { transport.CloseIdleConnections() }
	return nil
}
