// Package kafkareply is the reply subscriber on Kafka: acks and the
// receivers' notices on the acks topic, shared by the hubwire replicas
// as a consumer group; delivery records on the compacted deliveries
// topic, each partition written by the owner of the same partition of
// the acks topic. The callback itself is reply.Engine's. The history is
// the events topic, completed with the records every replica keeps.
package kafkareply

import (
	"cmp"
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/sinks"
)

// Config configures the reply subscriber on Kafka.
type Config struct {
	Brokers   []string
	Dialer    *kafkago.Dialer
	Transport *kafkago.Transport
	// AcksTopic takes consumers' acks (key = event id) and the receivers'
	// notices of stored events; DeliveriesTopic, compacted and with as
	// many partitions, keeps each event's record (key = event id).
	AcksTopic, DeliveriesTopic string
	// Events is the topic the events are published to, which the
	// history reads (List, Get); Registries names the registry of each
	// event type, which its records do not carry.
	Events     string
	Registries map[string]string
	// GroupID is the consumer group the hubwire replicas share.
	GroupID    string
	Poster     *reply.Poster
	Required   map[string][]string
	AckTimeout time.Duration
	// Retention is how long a record is kept in memory after its last
	// change (as NATS's bucket keeps it after its last write); 0 keeps
	// records for ever. The compacted topic keeps them all: a replica
	// that starts skips those older than this.
	Retention time.Duration
	Metrics   *reply.Metrics
	Logger    *slog.Logger
	// DeadLetterTopic takes, on partition 0, the acks that could not be
	// applied after every try, as they were sent (AcksTopic + ".deadletter"
	// when empty; create it with the others).
	DeadLetterTopic string
	// AckAttempts and AckRetryDelay bound the tries of an ack that cannot
	// be applied (reply.MaxAckAttempts, reply.AckRetryDelay when zero).
	AckAttempts   int
	AckRetryDelay func(attempt int) time.Duration
}

// Subscriber is the reply subscriber on Kafka. The replicas share the
// acks topic through a consumer group: the member that owns partition p
// of the acks topic is the only writer of partition p of the deliveries
// topic, where every key of p lands too, so each event's record has one
// writer at a time without compare-and-set. A new owner restores its
// partitions' records from the deliveries topic and finishes what its
// predecessor left queued.
type Subscriber struct {
	cfg        Config
	client     *kafkago.Client
	partitions []int
	group      *kafkago.ConsumerGroup
	life       context.Context
	end        context.CancelFunc
	running    sync.WaitGroup
	clock      func() time.Time

	mu   sync.Mutex
	view map[string]reply.Record // every record the retention keeps, as the deliveries topic says
}

var (
	_ reply.History     = (*Subscriber)(nil)
	_ reply.Redeliverer = (*Subscriber)(nil)
	_ reply.Auditor     = (*Subscriber)(nil)
)

// notice is what a receiver puts on the acks topic for each stored event,
// so that the partition's owner creates the record.
type notice struct {
	Received  *reply.Record `json:"hubwire_received,omitempty"`
	Redeliver *redelivery   `json:"hubwire_redeliver,omitempty"`
	Audit     *audit        `json:"hubwire_audit,omitempty"`
}

// audit asks the owner of an event's partition to note Entry in its
// record, started from Record (reply.Record.Bare) when there is none.
type audit struct {
	Record reply.Record     `json:"record"`
	Entry  reply.AuditEntry `json:"entry"`
}

// redelivery asks the owner of an event's partition for a new chain of
// its callback.
type redelivery struct {
	ID string `json:"id"`
	By string `json:"by"`
}

// Start checks the topics and starts consuming.
func Start(ctx context.Context, cfg Config) (*Subscriber, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Dialer == nil {
		cfg.Dialer = kafkago.DefaultDialer
	}
	k := &Subscriber{cfg: cfg, clock: time.Now, view: map[string]reply.Record{},
		client: &kafkago.Client{Addr: kafkago.TCP(cfg.Brokers...)}}
	if cfg.Transport != nil {
		// Set only when given: a nil *Transport in the interface would
		// be called, where no Transport means kafka-go's default.
		k.client.Transport = cfg.Transport
	}
	acks, err := k.topicPartitions(ctx, cfg.AcksTopic)
	if err != nil {
		return nil, err
	}
	deliveries, err := k.topicPartitions(ctx, cfg.DeliveriesTopic)
	if err != nil {
		return nil, err
	}
	if len(acks) != len(deliveries) {
		return nil, fmt.Errorf("Kafka topic %s has %d partitions and %s %d: they must have as many (an event's ack and record share a partition number)",
			cfg.AcksTopic, len(acks), cfg.DeliveriesTopic, len(deliveries))
	}
	k.partitions = acks
	// A member rejoins after its callback attempts in flight finished and
	// were recorded; the group must wait that long, or a partition could
	// have two owners.
	rebalance := 10 * time.Second
	if cfg.Poster != nil {
		rebalance = max(rebalance, cfg.Poster.Timeout+15*time.Second)
	}
	k.group, err = kafkago.NewConsumerGroup(kafkago.ConsumerGroupConfig{
		ID: cfg.GroupID, Brokers: cfg.Brokers, Dialer: cfg.Dialer, Topics: []string{cfg.AcksTopic},
		StartOffset: kafkago.FirstOffset, HeartbeatInterval: time.Second, SessionTimeout: 10 * time.Second,
		RebalanceTimeout: rebalance, JoinGroupBackoff: 500 * time.Millisecond,
	})
	if err != nil {
		return nil, fmt.Errorf("joining consumer group %s: %w", cfg.GroupID, err)
	}
	k.life, k.end = context.WithCancel(context.Background())
	for _, p := range k.partitions {
		k.running.Add(1)
		go k.tail(p)
	}
	k.running.Add(2)
	go k.consume()
	go k.sweepView()
	return k, nil
}

func (k *Subscriber) topicPartitions(ctx context.Context, topic string) ([]int, error) {
	md, err := k.client.Metadata(ctx, &kafkago.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("reading metadata of Kafka topic %s: %w", topic, err)
	}
	for _, t := range md.Topics {
		if t.Name == topic && t.Error == nil && len(t.Partitions) > 0 {
			var ids []int
			for _, p := range t.Partitions {
				ids = append(ids, p.ID)
			}
			slices.Sort(ids)
			return ids, nil
		}
	}
	return nil, fmt.Errorf("Kafka topic %s does not exist: create it, or pass --kafka-create-topics", topic)
}

// Stop leaves the group; unfinished callbacks are finished by the next
// owner of their partition.
func (k *Subscriber) Stop() {
	k.end()
	k.group.Close()
	k.running.Wait()
}

// Received implements store.Recorder: the notice of an event with a
// callback_url goes to the partition its event's acks go to, whose owner
// writes the record. Any other event is recorded at its first ack.
func (k *Subscriber) Received(ctx context.Context, d sinks.Entry, where sinks.Receipt) error {
	if d.CallbackURL == "" {
		return nil
	}
	// The event is not in the record: the history reads it from the
	// events topic.
	rec := reply.RecordOf(d, where, k.cfg.Required[d.Source], k.cfg.AckTimeout, k.clock())
	body, err := json.Marshal(notice{Received: &rec})
	if err != nil {
		return err
	}
	if err := k.produce(ctx, k.cfg.AcksTopic, k.partitionOf(rec.ID), rec.ID, body); err != nil {
		// The receiver logs it ("delivery record not written") and
		// answers 503, so that the registry retries.
		k.cfg.Metrics.RecordWriteError(reply.OpReceipt)
		return err
	}
	return nil
}

// Redeliver implements reply.Redeliverer: it checks the record in the
// view and sends the request to the owner of the event's partition, the
// only writer of its record, which checks again and starts the chain. The
// record returned is the view's, before the owner took the request.
func (k *Subscriber) Redeliver(ctx context.Context, id, who string) (reply.Record, error) {
	rec, ok := k.record(id)
	if !ok {
		return rec, reply.ErrNoRecord
	}
	check := rec.Clone()
	if err := check.Redeliver(who, k.clock()); err != nil {
		return rec, err
	}
	body, err := json.Marshal(notice{Redeliver: &redelivery{ID: id, By: who}})
	if err != nil {
		return rec, err
	}
	return rec, k.produce(ctx, k.cfg.AcksTopic, k.partitionOf(id), id, body)
}

// Audit implements reply.Auditor: the notes go to the owners of the
// events' partitions, one request per partition, and each owner writes its
// records.
func (k *Subscriber) Audit(ctx context.Context, recs []reply.Record, entry reply.AuditEntry) error {
	byPartition := map[int][]kafkago.Record{}
	for i := range recs {
		body, err := json.Marshal(notice{Audit: &audit{Record: recs[i].Bare(), Entry: entry}})
		if err != nil {
			return err
		}
		p := k.partitionOf(recs[i].ID)
		byPartition[p] = append(byPartition[p], kafkago.Record{Key: kafkago.NewBytes([]byte(recs[i].ID)), Value: kafkago.NewBytes(body)})
	}
	var errs []error
	for p, batch := range byPartition {
		errs = append(errs, k.produceRecords(ctx, k.cfg.AcksTopic, p, batch...))
	}
	return errors.Join(errs...)
}

func (k *Subscriber) ackAttempts() int {
	if k.cfg.AckAttempts > 0 {
		return k.cfg.AckAttempts
	}
	return reply.MaxAckAttempts
}

func (k *Subscriber) ackRetryDelay(n int) time.Duration {
	if k.cfg.AckRetryDelay != nil {
		return k.cfg.AckRetryDelay(min(n, k.ackAttempts()))
	}
	return reply.AckRetryDelay(min(n, k.ackAttempts()))
}

// DeadLetterTopic is where acks go that could not be applied.
func (k *Subscriber) DeadLetterTopic() string {
	return cmp.Or(k.cfg.DeadLetterTopic, k.cfg.AcksTopic+".deadletter")
}

// deadLetter writes an ack that could not be applied after every try to
// the dead-letter topic, logs it once and counts it.
func (k *Subscriber) deadLetter(ctx context.Context, m kafkago.Message, cause error) error {
	if err := k.produce(ctx, k.DeadLetterTopic(), 0, string(m.Key), m.Value); err != nil {
		return fmt.Errorf("%w; nor dead-lettered: %w", cause, err)
	}
	k.cfg.Metrics.Ack("dead_lettered")
	k.cfg.Logger.Error("ack not applied after every try; moved to the dead-letter topic", "event_id", string(m.Key), "partition", m.Partition, "offset", m.Offset,
		"attempts", k.ackAttempts(), "topic", k.DeadLetterTopic(), "error", cause)
	return nil
}

func (k *Subscriber) partitionOf(id string) int {
	return kafkago.Murmur2Balancer{Consistent: true}.Balance(kafkago.Message{Key: []byte(id)}, k.partitions...)
}

func (k *Subscriber) produce(ctx context.Context, topic string, partition int, key string, value []byte) error {
	return k.produceRecords(ctx, topic, partition, kafkago.Record{Key: kafkago.NewBytes([]byte(key)), Value: kafkago.NewBytes(value)})
}

func (k *Subscriber) produceRecords(ctx context.Context, topic string, partition int, records ...kafkago.Record) error {
	resp, err := k.client.Produce(ctx, &kafkago.ProduceRequest{
		Topic: topic, Partition: partition, RequiredAcks: kafkago.RequireAll,
		Records: kafkago.NewRecordReader(records...),
	})
	if err == nil && resp.Error != nil {
		err = resp.Error
	}
	if err != nil {
		return fmt.Errorf("writing to Kafka topic %s: %w", topic, err)
	}
	return nil
}

// expired reports whether the retention has dropped rec.
func (k *Subscriber) expired(rec *reply.Record, now time.Time) bool {
	return k.cfg.Retention > 0 && rec.LastChange().Before(now.Add(-k.cfg.Retention))
}

// sweepEvery is how often records past the retention are dropped: often
// enough that memory follows the retention closely, rarely enough that
// the scan costs nothing.
func sweepEvery(retention time.Duration) time.Duration {
	return min(time.Minute, max(retention/8, 100*time.Millisecond))
}

// ServeHTTP serves the records: see reply.API.
func (k *Subscriber) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	reply.API{History: k}.ServeHTTP(w, req)
}

// tail keeps the view of one deliveries partition.
func (k *Subscriber) tail(p int) {
	defer k.running.Done()
	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: k.cfg.Brokers, Dialer: k.cfg.Dialer, Topic: k.cfg.DeliveriesTopic, Partition: p, MaxWait: 200 * time.Millisecond})
	defer r.Close()
	r.SetOffset(kafkago.FirstOffset)
	for {
		m, err := r.ReadMessage(k.life)
		if err != nil {
			return
		}
		var rec reply.Record
		if json.Unmarshal(m.Value, &rec) == nil {
			k.mu.Lock()
			// The topic keeps what the retention drops: a record read
			// from it past the retention is not taken (and the older
			// version it replaces goes).
			if k.expired(&rec, k.clock()) {
				delete(k.view, rec.ID)
			} else {
				k.view[rec.ID] = rec
			}
			k.mu.Unlock()
		}
	}
}

// sweepView drops the records past the retention from the view.
func (k *Subscriber) sweepView() {
	defer k.running.Done()
	if k.cfg.Retention <= 0 {
		return
	}
	t := time.NewTicker(sweepEvery(k.cfg.Retention))
	defer t.Stop()
	for {
		select {
		case <-k.life.Done():
			return
		case <-t.C:
		}
		now := k.clock()
		k.mu.Lock()
		for id, rec := range k.view {
			if k.expired(&rec, now) {
				delete(k.view, id)
			}
		}
		k.mu.Unlock()
	}
}

// consume takes the group's generations: each assigned partition of the
// acks topic is owned until the next rebalance.
func (k *Subscriber) consume() {
	defer k.running.Done()
	for {
		gen, err := k.group.Next(k.life)
		if err != nil {
			if k.life.Err() != nil || errors.Is(err, kafkago.ErrGroupClosed) {
				return
			}
			k.cfg.Logger.Warn("consumer group", "error", err)
			time.Sleep(500 * time.Millisecond)
			continue
		}
		for _, a := range gen.Assignments[k.cfg.AcksTopic] {
			gen.Start(func(ctx context.Context) { k.own(ctx, gen, a.ID, a.Offset) })
		}
	}
}

// owner is the state of one owned partition. It is the partition's
// reply.Records: the only writer of its records while it owns it.
type owner struct {
	k        *Subscriber
	p        int
	engine   *reply.Engine
	mu       sync.Mutex
	records  map[string]reply.Record
	inFlight map[string]bool
	// deadlines holds the ack timeouts to come, soonest first, so that
	// the timer looks at the ones due and no other record.
	deadlines deadlines
	wg        sync.WaitGroup
}

// own applies the acks of partition p until ctx ends (a rebalance or a stop).
func (k *Subscriber) own(ctx context.Context, gen *kafkago.Generation, p int, offset int64) {
	o := &owner{k: k, p: p, records: map[string]reply.Record{}, inFlight: map[string]bool{}}
	// Lease 0: the owner is the only writer, so a callback it finds
	// posting was its predecessor's and is taken over at once.
	o.engine = &reply.Engine{Records: o, Poster: k.cfg.Poster, Metrics: k.cfg.Metrics, Logger: k.cfg.Logger, Clock: func() time.Time { return k.clock() }}
	defer o.wg.Wait()
	if err := o.restore(ctx); err != nil {
		if ctx.Err() == nil {
			k.cfg.Logger.Error("restoring delivery records", "partition", p, "error", err)
		}
		return
	}
	o.mu.Lock()
	for id, r := range o.records {
		if r.Callback.Outcome == reply.OutcomeQueued || r.Callback.Outcome == reply.OutcomePosting {
			o.startCallback(ctx, id)
		}
	}
	o.mu.Unlock()

	o.wg.Add(1)
	go o.timers(ctx)

	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: k.cfg.Brokers, Dialer: k.cfg.Dialer, Topic: k.cfg.AcksTopic, Partition: p, MaxWait: 200 * time.Millisecond})
	defer r.Close()
	if offset < 0 {
		offset = kafkago.FirstOffset
	}
	r.SetOffset(offset)
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			return
		}
		for try := 1; ; try++ {
			err := o.apply(ctx, m)
			if err == nil {
				break
			}
			if try >= k.ackAttempts() {
				// One message must not hold up its partition for ever: it
				// is kept on the dead-letter topic, as sent, and passed.
				err = k.deadLetter(ctx, m, err)
				if err == nil {
					break
				}
			}
			k.cfg.Logger.Warn("ack not applied; retrying", "partition", p, "offset", m.Offset, "attempt", try, "error", err)
			select {
			case <-time.After(k.ackRetryDelay(try)):
			case <-ctx.Done():
				return
			}
		}
		if err := gen.CommitOffsets(map[string]map[int]int64{k.cfg.AcksTopic: {p: m.Offset + 1}}); err != nil && ctx.Err() == nil {
			k.cfg.Logger.Warn("committing ack offset", "partition", p, "error", err)
		}
	}
}

// restore reads the partition's records from the deliveries topic,
// leaving out those past the retention.
func (o *owner) restore(ctx context.Context) error {
	k := o.k
	conn, err := k.cfg.Dialer.DialLeader(ctx, "tcp", k.cfg.Brokers[0], k.cfg.DeliveriesTopic, o.p)
	if err != nil {
		return err
	}
	last, err := conn.ReadLastOffset()
	conn.Close()
	if err != nil || last == 0 {
		return err
	}
	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: k.cfg.Brokers, Dialer: k.cfg.Dialer, Topic: k.cfg.DeliveriesTopic, Partition: o.p, MaxWait: 200 * time.Millisecond})
	defer r.Close()
	r.SetOffset(kafkago.FirstOffset)
	now := k.clock()
	for {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			return err
		}
		var rec reply.Record
		if json.Unmarshal(m.Value, &rec) == nil {
			if k.expired(&rec, now) {
				delete(o.records, rec.ID)
			} else {
				o.records[rec.ID] = rec
			}
		}
		if m.Offset >= last-1 {
			for _, rec := range o.records {
				o.watch(&rec)
			}
			return nil
		}
	}
}

// apply takes one message of the acks topic: a receiver's notice or a
// consumer's ack.
func (o *owner) apply(ctx context.Context, m kafkago.Message) error {
	k := o.k
	var n notice
	if json.Unmarshal(m.Value, &n) == nil && n.Redeliver != nil {
		o.mu.Lock()
		defer o.mu.Unlock()
		cur, ok := o.records[n.Redeliver.ID]
		if !ok {
			return nil
		}
		rec := cur.Clone()
		if err := rec.Redeliver(n.Redeliver.By, k.clock()); err != nil || o.inFlight[rec.ID] {
			k.cfg.Logger.Info("callback redelivery refused", "event_id", rec.ID, "reason", err)
			return nil
		}
		if err := o.keep(ctx, rec); err != nil {
			k.cfg.Metrics.RecordWriteError(reply.OpReceipt)
			return err
		}
		k.cfg.Logger.Info("callback redelivery", "event_id", rec.ID, "chain", rec.Callback.Chain)
		o.startCallback(ctx, rec.ID)
		return nil
	}
	if json.Unmarshal(m.Value, &n) == nil && n.Audit != nil {
		o.mu.Lock()
		defer o.mu.Unlock()
		rec := n.Audit.Record
		if cur, ok := o.records[rec.ID]; ok {
			rec = cur.Clone()
		}
		rec.Note(n.Audit.Entry)
		if err := o.keep(ctx, rec); err != nil {
			k.cfg.Metrics.RecordWriteError(reply.OpReceipt)
			return err
		}
		return nil
	}
	if json.Unmarshal(m.Value, &n) == nil && n.Received != nil {
		o.mu.Lock()
		defer o.mu.Unlock()
		rec := *n.Received
		if cur, ok := o.records[rec.ID]; ok {
			rec = cur.Clone()
			if !rec.TakeReceipt(*n.Received, k.clock()) {
				return nil // a repeated delivery keeps the record it has
			}
		}
		if err := o.keep(ctx, rec); err != nil {
			// own logs it and applies the notice again.
			k.cfg.Metrics.RecordWriteError(reply.OpReceipt)
			return err
		}
		if rec.Callback.Outcome == reply.OutcomeQueued {
			o.startCallback(ctx, rec.ID)
		}
		return nil
	}
	a, err := reply.ParseAck(m.Value, string(m.Key))
	log := k.cfg.Logger.With("event_id", a.EventID, "consumer", a.Consumer)
	if err != nil {
		log.Warn("ack refused", "reason", err)
		k.cfg.Metrics.Ack("invalid")
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	// An ack can come before its event's notice, or be the first word of
	// an event without a callback_url: it starts the record.
	rec := reply.NewAckRecord(a.EventID)
	if cur, ok := o.records[a.EventID]; ok {
		rec = cur.Clone()
	}
	if !rec.AddAck(a, uint64(m.Offset)+1, k.clock()) {
		return nil
	}
	if err := o.keep(ctx, rec); err != nil {
		// own logs it and applies the ack again.
		k.cfg.Metrics.RecordWriteError(reply.OpAck)
		return err
	}
	k.cfg.Metrics.Ack("taken")
	log.Info("ack taken", "state", a.State, "callback", rec.Callback.Outcome)
	if rec.Callback.Outcome == reply.OutcomeQueued {
		o.startCallback(ctx, rec.ID)
	}
	return nil
}

// Update implements reply.Records over the partition's records: the
// change is made on a copy, written to the deliveries topic, and only
// then taken as the partition's.
func (o *owner) Update(ctx context.Context, id string, change func(*reply.Record) bool) (reply.Record, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	cur, ok := o.records[id]
	if !ok {
		return cur, reply.ErrNoRecord
	}
	rec := cur.Clone()
	if !change(&rec) {
		return rec, nil
	}
	if err := o.keep(ctx, rec); err != nil {
		return cur, err
	}
	return rec, nil
}

// keep writes rec to the deliveries topic and only then takes it as the
// partition's: a write that failed leaves the record as it was, for the
// change to be made again. o.mu is held.
func (o *owner) keep(ctx context.Context, rec reply.Record) error {
	body, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := o.k.produce(ctx, o.k.cfg.DeliveriesTopic, o.p, rec.ID, body); err != nil {
		return err
	}
	prev, had := o.records[rec.ID]
	o.records[rec.ID] = rec
	if !had || !prev.Deadline.Equal(rec.Deadline) {
		o.watch(&rec)
	}
	return nil
}

// watch puts rec's ack timeout among the deadlines, if it waits for one.
// o.mu is held.
func (o *owner) watch(rec *reply.Record) {
	if rec.Decision == nil && rec.CallbackURL != "" && !rec.Deadline.IsZero() {
		heap.Push(&o.deadlines, deadline{at: rec.Deadline, id: rec.ID})
	}
}

// timers decides error for events whose required consumers are late,
// and drops the records past the retention.
func (o *owner) timers(ctx context.Context) {
	defer o.wg.Done()
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	var sweep <-chan time.Time
	if o.k.cfg.Retention > 0 {
		st := time.NewTicker(sweepEvery(o.k.cfg.Retention))
		defer st.Stop()
		sweep = st.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			o.timeouts(ctx)
		case <-sweep:
			o.sweep()
		}
	}
}

// timeouts decides the ack timeouts that are due.
func (o *owner) timeouts(ctx context.Context) {
	k := o.k
	o.mu.Lock()
	defer o.mu.Unlock()
	now := k.clock()
	var retry []deadline
	for len(o.deadlines) > 0 && !o.deadlines[0].at.After(now) {
		d := heap.Pop(&o.deadlines).(deadline)
		cur, ok := o.records[d.id]
		if !ok {
			continue // dropped by the retention
		}
		rec := cur.Clone()
		// Decided meanwhile, or a deadline since moved: nothing to do.
		if !rec.Timeout(now) {
			continue
		}
		if err := o.keep(ctx, rec); err != nil {
			if ctx.Err() == nil {
				k.cfg.Logger.Error("ack timeout not recorded; will retry", "event_id", d.id, "error", err)
				k.cfg.Metrics.RecordWriteError(reply.OpTimeout)
			}
			retry = append(retry, deadline{at: now.Add(time.Second), id: d.id})
			continue
		}
		k.cfg.Logger.Info("ack timeout", "event_id", d.id, "description", rec.Decision.Description)
		o.startCallback(ctx, d.id)
	}
	for _, d := range retry {
		heap.Push(&o.deadlines, d)
	}
}

// sweep drops the partition's records past the retention, but for a
// callback being posted, which keeps its record until it is done.
func (o *owner) sweep() {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.k.clock()
	for id, rec := range o.records {
		if !o.inFlight[id] && o.k.expired(&rec, now) {
			delete(o.records, id)
		}
	}
}

// startCallback posts id's callback in the background with the engine;
// o.mu is held. A callback that could not be claimed is tried again while
// the partition is owned, then by its next owner.
func (o *owner) startCallback(ctx context.Context, id string) {
	if o.inFlight[id] {
		return
	}
	o.inFlight[id] = true
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		for {
			res, err := o.engine.Callback(ctx, id, nil)
			// Only a claim that failed is tried again: an outcome that
			// could not be recorded was posted, and must not be again.
			if err == nil || res.Outcome != "" || !pause(ctx, 2*time.Second) {
				break
			}
		}
		o.mu.Lock()
		delete(o.inFlight, id)
		o.mu.Unlock()
	}()
}

// pause waits d unless ctx ends first; it reports whether it waited.
func pause(ctx context.Context, d time.Duration) bool {
	select {
	case <-time.After(d):
		return true
	case <-ctx.Done():
		return false
	}
}

// deadline is an ack timeout to come.
type deadline struct {
	at time.Time
	id string
}

// deadlines is a min-heap of deadlines (container/heap).
type deadlines []deadline

func (h deadlines) Len() int           { return len(h) }
func (h deadlines) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h deadlines) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *deadlines) Push(x any)        { *h = append(*h, x.(deadline)) }
func (h *deadlines) Pop() any {
	old := *h
	d := old[len(old)-1]
	*h = old[:len(old)-1]
	return d
}
