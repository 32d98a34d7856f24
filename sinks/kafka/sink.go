// Package kafka is the Kafka sink: it publishes events to a topic in the
// CloudEvents Kafka binding with github.com/segmentio/kafka-go, acks=all.
//
// kafka-go's Writer either waits BatchTimeout (a second by default) for
// every synchronous write or, with a batch size of one, sends one produce
// request per event. Neither suits a receiver that must answer each webhook
// as soon as its event is durable, so the sink batches by itself: the
// events of the deliveries that arrive while a produce request is in
// flight go together in the next one, one request per partition, and each
// delivery waits only for its own batch.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/hubwire/hubwire/sinks"
)

// Config configures the sink.
type Config struct {
	// Brokers are the bootstrap brokers, host:port.
	Brokers []string
	// Topic receives the events.
	Topic string
	// AcksTopic is where consumers' acknowledgements go, and
	// DeliveriesTopic (compacted) where the reply subscriber keeps the
	// events' records; the sink only creates them (with CreateTopics).
	AcksTopic, DeliveriesTopic string
	Mode                       sinks.Mode
	// CreateTopics creates missing topics with Partitions and
	// ReplicationFactor; otherwise a missing events topic is an error.
	CreateTopics      bool
	Partitions        int
	ReplicationFactor int
	// Transport carries TLS and SASL settings; nil uses plain TCP.
	Transport *kafkago.Transport
	Logger    *slog.Logger
}

// Sink publishes events to a Kafka topic.
type Sink struct {
	cfg        Config
	client     *kafkago.Client
	partitions []int
	queue      chan *pending
	done       chan struct{}
	closeOnce  sync.Once
	wg         sync.WaitGroup
	// down is set while produces fail for want of a broker, for one log
	// line when Kafka goes away and one when it is back.
	down atomic.Bool
}

var _ sinks.Sink = (*Sink)(nil)

// pending is one event waiting for its batch.
type pending struct {
	ctx    context.Context
	msg    kafkago.Message
	result chan result
}

type result struct {
	partition int
	offset    int64
	err       error
}

// maxBatch bounds how many events go in one produce request, so that one
// request stays well under the brokers' default message.max.bytes.
const maxBatch = 256

// New checks that the events topic exists (creating the topics when asked)
// and starts the sink.
func New(ctx context.Context, cfg Config) (*Sink, error) {
	if len(cfg.Brokers) == 0 || cfg.Topic == "" {
		return nil, errors.New("kafka sink needs brokers and a topic")
	}
	if cfg.Mode == "" {
		cfg.Mode = sinks.Binary
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	transport := cfg.Transport
	if transport == nil {
		transport = &kafkago.Transport{}
	}
	if transport.ClientID == "" {
		transport.ClientID = "hubwire"
	}
	s := &Sink{
		cfg:    cfg,
		client: &kafkago.Client{Addr: kafkago.TCP(cfg.Brokers...), Transport: transport},
		queue:  make(chan *pending, maxBatch),
		done:   make(chan struct{}),
	}
	if cfg.CreateTopics {
		if err := s.createTopics(ctx); err != nil {
			return nil, err
		}
	}
	var err error
	if s.partitions, err = s.topicPartitions(ctx, cfg.Topic); err != nil {
		if errors.Is(err, kafkago.UnknownTopicOrPartition) {
			return nil, fmt.Errorf("Kafka topic %s does not exist: create it, or pass --kafka-create-topics to have hubwire create it", cfg.Topic)
		}
		return nil, err
	}
	if cfg.AcksTopic != "" {
		if _, err := s.topicPartitions(ctx, cfg.AcksTopic); err != nil {
			cfg.Logger.Warn("acks topic is not usable; consumers cannot acknowledge events until it exists", "topic", cfg.AcksTopic, "error", err)
		}
	}
	s.wg.Add(1)
	go s.flush()
	return s, nil
}

func (s *Sink) createTopics(ctx context.Context) error {
	topics := []kafkago.TopicConfig{{Topic: s.cfg.Topic, NumPartitions: s.cfg.Partitions, ReplicationFactor: s.cfg.ReplicationFactor}}
	if s.cfg.AcksTopic != "" {
		topics = append(topics, kafkago.TopicConfig{Topic: s.cfg.AcksTopic, NumPartitions: s.cfg.Partitions, ReplicationFactor: s.cfg.ReplicationFactor},
			// The reply subscriber's dead letters (acks not applied after
			// every try), on one partition.
			kafkago.TopicConfig{Topic: s.cfg.AcksTopic + ".deadletter", NumPartitions: 1, ReplicationFactor: s.cfg.ReplicationFactor})
	}
	if s.cfg.DeliveriesTopic != "" {
		topics = append(topics, kafkago.TopicConfig{Topic: s.cfg.DeliveriesTopic, NumPartitions: s.cfg.Partitions, ReplicationFactor: s.cfg.ReplicationFactor,
			ConfigEntries: []kafkago.ConfigEntry{{ConfigName: "cleanup.policy", ConfigValue: "compact"}}})
	}
	resp, err := s.client.CreateTopics(ctx, &kafkago.CreateTopicsRequest{Topics: topics})
	if err != nil {
		return fmt.Errorf("creating Kafka topics on %v: %w", s.cfg.Brokers, err)
	}
	for topic, err := range resp.Errors {
		if err != nil && !errors.Is(err, kafkago.TopicAlreadyExists) {
			return fmt.Errorf("creating Kafka topic %s (%d partitions, replication factor %d): %w", topic, s.cfg.Partitions, s.cfg.ReplicationFactor, err)
		}
	}
	return nil
}

// topicPartitions lists the partitions of topic.
func (s *Sink) topicPartitions(ctx context.Context, topic string) ([]int, error) {
	md, err := s.client.Metadata(ctx, &kafkago.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("reading metadata of Kafka topic %s from %v: %w", topic, s.cfg.Brokers, err)
	}
	for _, t := range md.Topics {
		if t.Name != topic {
			continue
		}
		if t.Error != nil {
			return nil, t.Error
		}
		ids := make([]int, len(t.Partitions))
		for i, p := range t.Partitions {
			ids[i] = p.ID
		}
		if len(ids) == 0 {
			return nil, kafkago.UnknownTopicOrPartition
		}
		// In id order, so that a key maps to the partition the Java
		// client's murmur2 partitioner would choose.
		slices.Sort(ids)
		return ids, nil
	}
	return nil, kafkago.UnknownTopicOrPartition
}

// Publish implements sinks.Sink: it returns once every in-sync replica
// has the event (acks=all).
func (s *Sink) Publish(ctx context.Context, _ sinks.Address, e *event.Event) (sinks.Receipt, error) {
	msg, err := Message(e, s.cfg.Mode)
	if err != nil {
		return sinks.Receipt{}, err
	}
	p := &pending{ctx: ctx, msg: msg, result: make(chan result, 1)}
	select {
	case s.queue <- p:
	case <-ctx.Done():
		return sinks.Receipt{}, fmt.Errorf("publishing event %s to Kafka topic %s: %w", e.ID(), s.cfg.Topic, ctx.Err())
	case <-s.done:
		return sinks.Receipt{}, errors.New("kafka sink is closed")
	}
	select {
	case r := <-p.result:
		if errors.Is(r.err, kafkago.MessageSizeTooLarge) {
			return sinks.Receipt{}, &sinks.TooLargeError{ID: e.ID(), Size: int64(len(msg.Key) + len(msg.Value)), Broker: "Kafka topic " + s.cfg.Topic, Err: r.err}
		}
		if r.err != nil {
			return sinks.Receipt{}, fmt.Errorf("publishing event %s to Kafka topic %s: %w", e.ID(), s.cfg.Topic, r.err)
		}
		return sinks.Receipt{Broker: "kafka", Stream: s.cfg.Topic, Partition: r.partition, Seq: uint64(r.offset)}, nil
	case <-ctx.Done():
		// The batch may still be written: Kafka gives at-least-once, and
		// consumers drop repeats by ce_source and ce_id.
		return sinks.Receipt{}, fmt.Errorf("publishing event %s to Kafka topic %s: %w", e.ID(), s.cfg.Topic, ctx.Err())
	}
}

// flush sends what is queued, one batch at a time, so that at most one
// produce request per partition is in flight and each partition keeps the
// order in which events were accepted.
func (s *Sink) flush() {
	defer s.wg.Done()
	batch := make([]*pending, 0, maxBatch)
	for {
		select {
		case p := <-s.queue:
			batch = append(batch[:0], p)
		case <-s.done:
			return
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case p := <-s.queue:
				batch = append(batch, p)
			default:
				break drain
			}
		}
		s.produce(batch)
	}
}

// produce writes one batch, a request per partition in parallel.
func (s *Sink) produce(batch []*pending) {
	byPartition := map[int][]*pending{}
	balancer := kafkago.Murmur2Balancer{Consistent: true}
	for _, p := range batch {
		if p.ctx.Err() != nil { // its delivery already gave up: 503 was answered
			p.result <- result{err: p.ctx.Err()}
			continue
		}
		part := balancer.Balance(p.msg, s.partitions...)
		byPartition[part] = append(byPartition[part], p)
	}
	var wg sync.WaitGroup
	for part, ps := range byPartition {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.producePartition(part, ps)
		}()
	}
	wg.Wait()
}

// producePartition sends ps to one partition, retrying transient errors
// with backoff for as long as one of the deliveries still waits.
func (s *Sink) producePartition(part int, ps []*pending) {
	ctx, cancel := latestDeadline(ps)
	defer cancel()
	var resp *kafkago.ProduceResponse
	var err error
	for attempt := 0; ; attempt++ {
		// A record reader is read once; each attempt gets its own.
		records := make([]kafkago.Record, len(ps))
		for i, p := range ps {
			records[i] = kafkago.Record{Key: bytesOrNil(p.msg.Key), Value: kafkago.NewBytes(p.msg.Value), Headers: p.msg.Headers}
		}
		resp, err = s.client.Produce(ctx, &kafkago.ProduceRequest{
			Topic:        s.cfg.Topic,
			Partition:    part,
			RequiredAcks: kafkago.RequireAll,
			Records:      kafkago.NewRecordReader(records...),
		})
		if err == nil && resp.Error != nil {
			err = resp.Error
		}
		s.noteReachable(err)
		if err == nil || !retriable(err) || ctx.Err() != nil {
			break
		}
		s.cfg.Logger.Warn("Kafka produce failed; retrying", "topic", s.cfg.Topic, "partition", part, "events", len(ps), "attempt", attempt+1, "error", err)
		select {
		case <-time.After(backoff(attempt)):
		case <-ctx.Done():
		}
	}
	for i, p := range ps {
		if err != nil {
			p.result <- result{err: err}
			continue
		}
		p.result <- result{partition: part, offset: resp.BaseOffset + int64(i)}
	}
}

// noteReachable logs the turns of Kafka's reachability: the first produce
// that fails for want of a broker, and the first that works after.
func (s *Sink) noteReachable(err error) {
	switch {
	case err == nil:
		if s.down.CompareAndSwap(true, false) {
			s.cfg.Logger.Info("Kafka reachable again: produces work", "brokers", strings.Join(s.cfg.Brokers, ","), "topic", s.cfg.Topic)
		}
	case retriable(err):
		if s.down.CompareAndSwap(false, true) {
			s.cfg.Logger.Warn("Kafka unreachable: produces fail (deliveries are spooled or answered 503 until it is back)", "brokers", strings.Join(s.cfg.Brokers, ","), "topic", s.cfg.Topic, "error", err)
		}
	}
}

func bytesOrNil(b []byte) kafkago.Bytes {
	if b == nil {
		return nil
	}
	return kafkago.NewBytes(b)
}

// latestDeadline is a context that lives as long as the most patient
// delivery in ps.
func latestDeadline(ps []*pending) (context.Context, context.CancelFunc) {
	var latest time.Time
	for _, p := range ps {
		d, ok := p.ctx.Deadline()
		if !ok {
			// A caller without a deadline still must not hold the
			// flusher, and every partition behind it, forever.
			d = time.Now().Add(30 * time.Second)
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(context.Background(), latest)
}

func retriable(err error) bool {
	var kerr kafkago.Error
	if errors.As(err, &kerr) {
		return kerr.Temporary()
	}
	// Network errors: the broker restarted or a connection dropped.
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

func backoff(attempt int) time.Duration {
	d := 50 * time.Millisecond << min(attempt, 5)
	return min(d, time.Second)
}

// Destination implements sinks.Sink.
func (s *Sink) Destination() sinks.Receipt {
	return sinks.Receipt{Broker: "kafka", Stream: s.cfg.Topic}
}

// Brokers are the bootstrap brokers the sink was given.
func (s *Sink) Brokers() []string { return s.cfg.Brokers }

// Ready implements sinks.Sink: a broker answers and the topic exists.
func (s *Sink) Ready(ctx context.Context) error {
	// The transport answers metadata from a cache; ApiVersions always
	// goes to a broker.
	if _, err := s.client.ApiVersions(ctx, &kafkago.ApiVersionsRequest{}); err != nil {
		return fmt.Errorf("Kafka brokers %v: %w", s.cfg.Brokers, err)
	}
	_, err := s.topicPartitions(ctx, s.cfg.Topic)
	return err
}

// Close implements sinks.Sink. Deliveries still waiting are answered with
// an error; none of them had been answered 2xx.
func (s *Sink) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	s.wg.Wait()
	for {
		select {
		case p := <-s.queue:
			p.result <- result{err: errors.New("kafka sink closed")}
		default:
			if t, ok := s.client.Transport.(*kafkago.Transport); ok {
				t.CloseIdleConnections()
			}
			return nil
		}
	}
}
