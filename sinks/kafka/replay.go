package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	kafkago "github.com/segmentio/kafka-go"
)

// ReplayConfig says which part of a topic a Reader reads.
type ReplayConfig struct {
	// Brokers are the bootstrap brokers, host:port; Topic holds the events.
	Brokers []string
	Topic   string
	// Transport (for metadata and offsets) and Dialer (for the readers)
	// carry TLS and SASL settings; nil connects over plain TCP.
	Transport *kafkago.Transport
	Dialer    *kafkago.Dialer
	// Offsets, when set, name the partitions to read and the offset each
	// starts at. Otherwise every partition is read from StartTime, when
	// set (the first record stored at or after it), or from the
	// beginning, or with Follow from the records stored from now on.
	Offsets map[int]int64
	// Ends, when set, ends a partition it names before that offset.
	Ends      map[int]int64
	StartTime time.Time
	// Until, when set, ends each partition before its first record
	// stored after it.
	Until time.Time
	// Follow keeps reading new records until the context ends. Otherwise
	// each partition is read up to its end as it was when the reader
	// started.
	Follow bool
	// Undecodable, when set, is told of each record that is not a
	// CloudEvent, and reading goes on; when nil, such a record ends Read.
	// The partitions are read in parallel: it may be called from several
	// goroutines at once.
	Undecodable func(partition int, offset int64, err error)
}

// Stored is one event as the topic holds it.
type Stored struct {
	Event *event.Event
	// Key is the record key (the repository).
	Key       []byte
	Partition int
	Offset    int64
	// Time is the record's timestamp: when it was produced.
	Time time.Time
	// After, set by Newest, is the offsets to pass as NewestQuery.Before
	// for the page that follows this event.
	After map[int]int64
}

// Reader reads events back from a topic, with one kafka-go reader per
// partition, each positioned by the brokers' own offset or time index.
type Reader struct {
	cfg   ReplayConfig
	parts []partitionRange
}

// partitionRange is what the reader reads of one partition: from start up
// to end (exclusive; unbounded when following).
type partitionRange struct {
	partition  int
	start, end int64
}

// NewReader looks up the topic's partitions and where to read each.
func NewReader(ctx context.Context, cfg ReplayConfig) (*Reader, error) {
	if len(cfg.Brokers) == 0 || cfg.Topic == "" {
		return nil, errors.New("kafka reader needs brokers and a topic")
	}
	transport := cfg.Transport
	if transport == nil {
		transport = &kafkago.Transport{ClientID: "hubwire"}
	}
	client := &kafkago.Client{Addr: kafkago.TCP(cfg.Brokers...), Transport: transport}
	// The sink's lookup of partitions, on a sink that is never started.
	ids, err := (&Sink{cfg: Config{Brokers: cfg.Brokers}, client: client}).topicPartitions(ctx, cfg.Topic)
	if errors.Is(err, kafkago.UnknownTopicOrPartition) {
		return nil, fmt.Errorf("Kafka topic %s does not exist at %s: is hubwire serve using this broker? (check --broker and --kafka-topic)", cfg.Topic, strings.Join(cfg.Brokers, ","))
	}
	if err != nil {
		return nil, err
	}
	if cfg.Offsets != nil {
		for p := range cfg.Offsets {
			if !slices.Contains(ids, p) {
				return nil, fmt.Errorf("Kafka topic %s has no partition %d; its partitions are %s", cfg.Topic, p, formatInts(ids))
			}
		}
		ids = slices.DeleteFunc(ids, func(p int) bool { _, ok := cfg.Offsets[p]; return !ok })
	}
	first, err := listOffsets(ctx, client, cfg.Topic, ids, func(p int) kafkago.OffsetRequest { return kafkago.FirstOffsetOf(p) })
	if err != nil {
		return nil, err
	}
	last, err := listOffsets(ctx, client, cfg.Topic, ids, func(p int) kafkago.OffsetRequest { return kafkago.LastOffsetOf(p) })
	if err != nil {
		return nil, err
	}
	var byTime map[int]int64
	if cfg.Offsets == nil && !cfg.StartTime.IsZero() {
		byTime, err = listOffsets(ctx, client, cfg.Topic, ids, func(p int) kafkago.OffsetRequest { return kafkago.TimeOffsetOf(p, cfg.StartTime) })
		if err != nil {
			return nil, err
		}
	}
	r := &Reader{cfg: cfg}
	for _, p := range ids {
		pr := partitionRange{partition: p, start: first[p], end: last[p]}
		if end, ok := cfg.Ends[p]; ok {
			pr.end = min(pr.end, max(end, first[p]))
		}
		switch {
		case cfg.Offsets != nil:
			// Records before the first were deleted by retention: start
			// with what is left.
			pr.start = min(max(cfg.Offsets[p], first[p]), last[p])
		case byTime != nil:
			// -1: no record at or after StartTime yet.
			if pr.start = byTime[p]; pr.start < 0 {
				pr.start = last[p]
			}
		case cfg.Follow:
			pr.start = last[p]
		}
		r.parts = append(r.parts, pr)
	}
	return r, nil
}

// listOffsets asks the partitions' leaders for one kind of offset each.
// Each kind is its own request: a broker refuses a partition twice in one.
func listOffsets(ctx context.Context, client *kafkago.Client, topic string, ids []int, req func(int) kafkago.OffsetRequest) (map[int]int64, error) {
	reqs := make([]kafkago.OffsetRequest, len(ids))
	for i, p := range ids {
		reqs[i] = req(p)
	}
	resp, err := client.ListOffsets(ctx, &kafkago.ListOffsetsRequest{Topics: map[string][]kafkago.OffsetRequest{topic: reqs}})
	if err != nil {
		return nil, fmt.Errorf("listing the offsets of Kafka topic %s: %w", topic, err)
	}
	out := make(map[int]int64, len(ids))
	for _, po := range resp.Topics[topic] {
		if po.Error != nil {
			return nil, fmt.Errorf("listing the offsets of Kafka topic %s partition %d: %w", topic, po.Partition, po.Error)
		}
		switch req(po.Partition).Timestamp {
		case kafkago.FirstOffset:
			out[po.Partition] = po.FirstOffset
		case kafkago.LastOffset:
			out[po.Partition] = po.LastOffset
		default:
			out[po.Partition] = -1
			for off := range po.Offsets {
				out[po.Partition] = off
			}
		}
	}
	return out, nil
}

func formatInts(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return strings.Join(s, ", ")
}

// Pending is how many records the reader had to read when it started
// (before Until); 0 when it follows from now.
func (r *Reader) Pending() int64 {
	var n int64
	for _, p := range r.parts {
		n += max(p.end-p.start, 0)
	}
	return n
}

// Read calls fn with each event until the end (see ReplayConfig.Follow),
// ctx ends (nil), or fn returns an error (that error). Each partition's
// events come in offset order. Replaying, events of different partitions
// come in time order (as far as the records' timestamps are); following,
// as they arrive.
func (r *Reader) Read(ctx context.Context, fn func(Stored) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	errs := make(chan error, len(r.parts))
	var chans []chan Stored
	shared := make(chan Stored, 256)
	for _, p := range r.parts {
		if !r.cfg.Follow && p.start >= p.end {
			continue
		}
		ch := shared
		if !r.cfg.Follow {
			ch = make(chan Stored, 256)
			chans = append(chans, ch)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !r.cfg.Follow {
				defer close(ch)
			}
			if err := r.readPartition(ctx, p, ch); err != nil && ctx.Err() == nil {
				errs <- err
				cancel()
			}
		}()
	}
	var err error
	if r.cfg.Follow {
		err = follow(ctx, shared, fn)
	} else {
		err = merge(ctx, chans, fn)
	}
	cancel()
	wg.Wait()
	select {
	case perr := <-errs:
		if err == nil || errors.Is(err, context.Canceled) {
			err = perr
		}
	default:
	}
	if errors.Is(err, context.Canceled) {
		return nil // the caller's context ended: not an error
	}
	return err
}

func follow(ctx context.Context, ch <-chan Stored, fn func(Stored) error) error {
	for {
		select {
		case s := <-ch:
			if err := fn(s); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// merge hands on the events of every partition oldest first, each
// partition in its own order.
func merge(ctx context.Context, chans []chan Stored, fn func(Stored) error) error {
	type head struct {
		s  Stored
		ch chan Stored
	}
	var heads []head
	for _, ch := range chans {
		if s, ok := <-ch; ok {
			heads = append(heads, head{s, ch})
		}
	}
	for len(heads) > 0 {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		i := 0
		for j := range heads {
			if heads[j].s.Time.Before(heads[i].s.Time) {
				i = j
			}
		}
		if err := fn(heads[i].s); err != nil {
			return err
		}
		if s, ok := <-heads[i].ch; ok {
			heads[i].s = s
		} else {
			heads = slices.Delete(heads, i, i+1)
		}
	}
	return ctx.Err()
}

// idleCheck is how long a partition reader waits for a record before it
// checks whether it already passed its end.
const idleCheck = 2 * time.Second

// readPartition sends the events of one partition to ch.
func (r *Reader) readPartition(ctx context.Context, p partitionRange, ch chan<- Stored) error {
	// The kafka-go reader fetches ahead, and its Close waits for a fetch
	// at the end of the partition to time out: replaying, keep that short.
	maxWait := 50 * time.Millisecond
	if r.cfg.Follow {
		maxWait = time.Second
	}
	rd := kafkago.NewReader(kafkago.ReaderConfig{
		Brokers:   r.cfg.Brokers,
		Topic:     r.cfg.Topic,
		Partition: p.partition,
		Dialer:    r.cfg.Dialer,
		MinBytes:  1,
		MaxBytes:  16 << 20,
		MaxWait:   maxWait,
	})
	defer rd.Close()
	if err := rd.SetOffset(p.start); err != nil {
		return err
	}
	for {
		fctx, cancel := ctx, context.CancelFunc(func() {})
		if !r.cfg.Follow {
			fctx, cancel = context.WithTimeout(ctx, idleCheck)
		}
		m, err := rd.FetchMessage(fctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			if rd.Offset() >= p.end {
				return nil
			}
			continue
		case err != nil:
			return fmt.Errorf("reading Kafka topic %s partition %d at offset %d: %w", r.cfg.Topic, p.partition, rd.Offset(), err)
		}
		if (!r.cfg.Follow && m.Offset >= p.end) || (!r.cfg.Until.IsZero() && m.Time.After(r.cfg.Until)) {
			return nil
		}
		e, err := ToEvent(ctx, m)
		switch {
		case err != nil && r.cfg.Undecodable != nil:
			r.cfg.Undecodable(m.Partition, m.Offset, err)
		case err != nil:
			return fmt.Errorf("record %d/%d of Kafka topic %s is not a CloudEvent: %w", m.Partition, m.Offset, r.cfg.Topic, err)
		default:
			select {
			case ch <- Stored{Event: e, Key: m.Key, Partition: m.Partition, Offset: m.Offset, Time: m.Time}:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if !r.cfg.Follow && m.Offset+1 >= p.end {
			return nil
		}
	}
}
