package kafka

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/hubwire/hubwire/sinks"
)

// Republisher produces events, in binary mode and keyed by repository as
// the sink does, to a topic: replayed events fed to a consumer that reads
// there. It sends them in batches, acks=all.
type Republisher struct {
	w     *kafkago.Writer
	topic string
	// buf holds the events not sent yet, ids their ids, since when the
	// oldest of them was buffered.
	buf   []kafkago.Message
	ids   []string
	since time.Time
}

// republishBatch events go in one write; an event waits at most
// republishDelay for its batch to fill, so that a slow replay (--rate)
// still delivers as it goes.
const (
	republishBatch = 500
	republishDelay = 200 * time.Millisecond
)

// NewRepublisher checks that topic exists and prepares producing to it.
// transport may be nil for plain TCP.
func NewRepublisher(ctx context.Context, brokers []string, topic string, transport *kafkago.Transport) (*Republisher, error) {
	if transport == nil {
		transport = &kafkago.Transport{ClientID: "hubwire"}
	}
	client := &kafkago.Client{Addr: kafkago.TCP(brokers...), Transport: transport}
	// The sink's lookup of partitions, on a sink that is never started.
	if _, err := (&Sink{cfg: Config{Brokers: brokers}, client: client}).topicPartitions(ctx, topic); err != nil {
		if errors.Is(err, kafkago.UnknownTopicOrPartition) {
			return nil, fmt.Errorf("Kafka topic %s does not exist at %s: create it first", topic, strings.Join(brokers, ","))
		}
		return nil, err
	}
	return &Republisher{
		topic: topic,
		w: &kafkago.Writer{
			Addr: kafkago.TCP(brokers...), Topic: topic, Transport: transport,
			Balancer:     &kafkago.Murmur2Balancer{Consistent: true},
			RequiredAcks: kafkago.RequireAll,
			BatchSize:    republishBatch,
			BatchTimeout: time.Millisecond,
		},
	}, nil
}

// Publish buffers e and sends the buffer when it is full or old enough;
// a refusal is returned by the Publish or Flush that sends it.
func (p *Republisher) Publish(ctx context.Context, e *event.Event) error {
	m, err := Message(e, sinks.Binary)
	if err != nil {
		return err
	}
	if len(p.buf) == 0 {
		p.since = time.Now()
	}
	p.buf = append(p.buf, m)
	p.ids = append(p.ids, e.ID())
	if len(p.buf) >= republishBatch || time.Since(p.since) >= republishDelay {
		return p.Flush(ctx)
	}
	return nil
}

// Flush returns once the brokers have every event published.
func (p *Republisher) Flush(ctx context.Context) error {
	if len(p.buf) == 0 {
		return nil
	}
	err := p.w.WriteMessages(ctx, p.buf...)
	if err != nil {
		id := p.ids[0]
		var werrs kafkago.WriteErrors
		if errors.As(err, &werrs) {
			for i, werr := range werrs {
				if werr != nil {
					id, err = p.ids[i], werr
					break
				}
			}
		}
		return fmt.Errorf("producing event %s to Kafka topic %s: %w", id, p.topic, err)
	}
	p.buf, p.ids = p.buf[:0], p.ids[:0]
	return nil
}

// Close releases the producer's connections; Flush first.
func (p *Republisher) Close() error { return p.w.Close() }
