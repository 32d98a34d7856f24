// Package natsreply is the reply subscriber on NATS JetStream: acks in a
// stream, delivery records in a key-value bucket changed with
// compare-and-set, callbacks and ack timeouts as work items that the
// hubwire replicas share. The callback itself is reply.Engine's.
package natsreply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/sinks"
)

// Names in the NATS keyspace.
const (
	// AckSubjectPrefix is where consumers acknowledge: hubwire.acks.<event-id>.
	AckSubjectPrefix = reply.AckSubjectPrefix
	// AckStream keeps acks, so that those sent while hubwire is down are
	// processed when it is back.
	AckStream = "HUBWIRE_ACKS"
	// WorkStream holds the callbacks to post and the ack timeouts to
	// check, each taken by one replica at a time.
	WorkStream = "HUBWIRE_REPLY"
	// Bucket is the key-value bucket of delivery records.
	Bucket = "HUBWIRE_DELIVERIES"
	// DeadLetterStream keeps, on DeadLetterPrefix.<event-id>, the acks
	// that could not be applied after every try, as they were sent.
	DeadLetterStream = "HUBWIRE_ACKS_DEAD"
	DeadLetterPrefix = "hubwire.deadletter.acks"

	workPrefix    = "hubwire.reply"
	ackConsumer   = "hubwire-reply-acks"
	workConsumer  = "hubwire-reply-work"
	validateQueue = "hubwire-reply-validate"
)

// Config configures the Subscriber.
type Config struct {
	Conn *natsgo.Conn
	// Events is the stream of the events (HUBWIRE_EVENTS), which History
	// lists; none leaves History to the records alone.
	Events string
	Poster *reply.Poster
	// Required lists, per source, the consumers whose acks the callback
	// waits for; a source not listed takes the first ack.
	Required map[string][]string
	// AckTimeout is how long required consumers have to answer.
	AckTimeout time.Duration
	// Retention bounds how long records, acks and work are kept.
	Retention time.Duration
	Replicas  int
	Metrics   *reply.Metrics
	Logger    *slog.Logger
	// AckAttempts and AckRetryDelay bound the tries of an ack that cannot
	// be applied (reply.MaxAckAttempts, reply.AckRetryDelay when zero).
	AckAttempts   int
	AckRetryDelay func(attempt int) time.Duration
}

// Subscriber is the reply subscriber on NATS. Several hubwire replicas may
// run one each on the same streams: they share the acks and the work
// through durable consumers, and agree on each record through the
// bucket's compare-and-set.
type Subscriber struct {
	cfg    Config
	engine *reply.Engine
	js     jetstream.JetStream
	kv     jetstream.KeyValue
	sub    *natsgo.Subscription
	ctxs   []jetstream.ConsumeContext
	clock  func() time.Time
	// life ends at Stop: a callback in its backoff is handed back then.
	life context.Context
	end  context.CancelFunc
	// busy counts the handlers running, so Stop can wait for them while
	// the connection is still open; stopping (under mu) lets none start.
	busy     sync.WaitGroup
	mu       sync.Mutex
	stopping bool
	// repairing lets one caller at a time make missing parts again.
	repairing sync.Mutex
}

// enter admits a handler unless the subscriber is stopping; a message not
// admitted is redelivered later, to this replica's successor or another.
func (s *Subscriber) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return false
	}
	s.busy.Add(1)
	return true
}

var (
	_ reply.History     = (*Subscriber)(nil)
	_ reply.Redeliverer = (*Subscriber)(nil)
	_ reply.Auditor     = (*Subscriber)(nil)
)

// Start sets up the bucket, the streams and the consumers, and starts
// taking acks and work.
func Start(ctx context.Context, cfg Config) (*Subscriber, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Replicas = max(cfg.Replicas, 1)
	js, err := jetstream.New(cfg.Conn)
	if err != nil {
		return nil, err
	}
	s := &Subscriber{cfg: cfg, js: js, clock: time.Now}
	s.engine = &reply.Engine{Records: records{s}, Poster: cfg.Poster, Metrics: cfg.Metrics, Logger: cfg.Logger, Lease: postingLease,
		Clock: func() time.Time { return s.clock() }}
	s.life, s.end = context.WithCancel(context.Background())
	if err := s.setUp(ctx); err != nil {
		return nil, err
	}
	// Acks sent as requests are answered at once by whichever replica
	// gets them; the durable consumer below applies them.
	if s.sub, err = cfg.Conn.QueueSubscribe(AckSubjectPrefix+".>", validateQueue, s.answer); err != nil {
		return nil, err
	}
	if err := s.consume(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	// Something deleted while hubwire runs (a stream, the bucket, a
	// consumer) is made again within a few seconds, even while no
	// delivery or probe comes to notice it: acks keep arriving.
	go func() {
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-s.life.Done():
				return
			case <-tick.C:
				ctx, cancel := context.WithTimeout(s.life, 10*time.Second)
				s.repair(ctx)
				cancel()
			}
		}
	}()
	return s, nil
}

// streams are the streams the subscriber keeps, besides the bucket.
func (s *Subscriber) streams() []jetstream.StreamConfig {
	cfg := s.cfg
	return []jetstream.StreamConfig{
		// NoAck: JetStream stays silent, so that a NATS request's answer
		// is hubwire's (accepted, or why not), not a bare "stored".
		{Name: AckStream, Description: "hubwire: consumers' acks", Subjects: []string{AckSubjectPrefix + ".>"}, NoAck: true,
			Storage: jetstream.FileStorage, MaxAge: cfg.Retention, Replicas: cfg.Replicas},
		{Name: WorkStream, Description: "hubwire: callbacks to post, ack timeouts to check", Subjects: []string{workPrefix + ".>"},
			Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage, MaxAge: cfg.Retention, Duplicates: 10 * time.Minute, Replicas: cfg.Replicas},
		{Name: DeadLetterStream, Description: "hubwire: acks not applied after every try", Subjects: []string{DeadLetterPrefix + ".>"},
			Storage: jetstream.FileStorage, MaxAge: cfg.Retention, Replicas: cfg.Replicas},
	}
}

// setUp makes (or brings in line) the bucket and the streams.
func (s *Subscriber) setUp(ctx context.Context) error {
	kv, err := s.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: Bucket, Description: "hubwire: delivery record of each event", TTL: s.cfg.Retention,
		Storage: jetstream.FileStorage, Replicas: s.cfg.Replicas, History: 1,
	})
	if err != nil {
		return fmt.Errorf("setting up key-value bucket %s: %w", Bucket, err)
	}
	if s.kv == nil {
		s.kv = kv // the handle names the bucket: it serves a remade one too
	}
	for _, sc := range s.streams() {
		if _, err := s.js.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("setting up stream %s: %w", sc.Name, err)
		}
	}
	return nil
}

// consumers are the durable consumers the subscriber takes acks and work
// from.
func (s *Subscriber) consumers() []consumerSpec {
	return []consumerSpec{
		{AckStream, ackConsumer, 30 * time.Second, s.handleAck},
		{WorkStream, workConsumer, postingLease, s.handleWork},
	}
}

type consumerSpec struct {
	stream, name string
	wait         time.Duration
	handle       jetstream.MessageHandler
}

// consume makes the durable consumers and takes their messages, stopping
// those it took before.
func (s *Subscriber) consume(ctx context.Context) error {
	s.mu.Lock()
	old := s.ctxs
	s.ctxs = nil
	s.mu.Unlock()
	for _, c := range old {
		c.Stop()
	}
	for _, c := range s.consumers() {
		cons, err := s.js.CreateOrUpdateConsumer(ctx, c.stream, jetstream.ConsumerConfig{
			Durable: c.name, AckPolicy: jetstream.AckExplicitPolicy, AckWait: c.wait, MaxAckPending: 256,
		})
		if err != nil {
			return fmt.Errorf("setting up consumer %s: %w", c.name, err)
		}
		cc, err := cons.Consume(c.handle)
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.ctxs = append(s.ctxs, cc)
		s.mu.Unlock()
	}
	return nil
}

// missing lists what of the bucket, the streams and the consumers is not
// there (deleted while hubwire ran); an error when it cannot tell.
func (s *Subscriber) missing(ctx context.Context) (streams, consumers []string, err error) {
	for _, name := range []string{"KV_" + Bucket, AckStream, WorkStream} {
		_, err := s.js.Stream(ctx, name)
		switch {
		case errors.Is(err, jetstream.ErrStreamNotFound):
			streams = append(streams, name)
		case err != nil:
			return nil, nil, fmt.Errorf("stream %s: %w", name, err)
		}
	}
	for _, c := range s.consumers() {
		_, err := s.js.Consumer(ctx, c.stream, c.name)
		switch {
		case errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrStreamNotFound):
			consumers = append(consumers, c.stream+"/"+c.name)
		case err != nil:
			return nil, nil, fmt.Errorf("consumer %s: %w", c.name, err)
		}
	}
	return streams, consumers, nil
}

// repair makes again whatever is missing, with hubwire's settings, and
// logs a warning naming it; it reports what it could not make.
func (s *Subscriber) repair(ctx context.Context) error {
	s.repairing.Lock()
	defer s.repairing.Unlock()
	if s.life.Err() != nil {
		return nil
	}
	streams, consumers, err := s.missing(ctx)
	if err != nil || len(streams)+len(consumers) == 0 {
		return err
	}
	gone := strings.Join(append(streams, consumers...), ", ")
	if len(streams) > 0 {
		if err := s.setUp(ctx); err != nil {
			return fmt.Errorf("%s missing and not made again: %w", gone, err)
		}
	}
	if err := s.consume(ctx); err != nil {
		return fmt.Errorf("%s missing and not made again: %w", gone, err)
	}
	s.cfg.Logger.Warn("missing (deleted while hubwire ran?); made again with hubwire's settings: what it held is gone", "missing", gone)
	return nil
}

// Ready reports whether acks, records and callbacks can be kept: nil, or
// what is missing and could not be made again.
func (s *Subscriber) Ready(ctx context.Context) error {
	return s.repair(ctx)
}

// Stop stops taking acks and work. A callback attempt in flight finishes
// (within --callback-timeout) and a final answer is recorded; a callback
// still to be retried is handed back for another replica (or the next
// start) to finish.
func (s *Subscriber) Stop() {
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	s.end()
	if s.sub != nil {
		s.sub.Unsubscribe()
	}
	// Under repairing: a repair in flight finishes before the consumers
	// are stopped, and none starts after (life has ended).
	s.repairing.Lock()
	s.mu.Lock()
	ctxs := s.ctxs
	s.mu.Unlock()
	for _, c := range ctxs {
		c.Stop()
	}
	s.repairing.Unlock()
	s.busy.Wait()
	// The handlers' last words (a callback handed back with a Nak) are
	// buffered: let the server have them before the connection closes, or
	// the work comes back only after its ack wait.
	s.cfg.Conn.FlushTimeout(2 * time.Second)
}

// Received implements store.Recorder: it records an event with a
// callback_url (beside its publish: stored names the stream, no sequence),
// and starts the timer of its required consumers; any other event is
// recorded at its first ack, and listed from the events stream. A record
// whose acks came first takes the receipt.
func (s *Subscriber) Received(ctx context.Context, d sinks.Entry, stored sinks.Receipt) error {
	if d.CallbackURL == "" {
		return nil
	}
	// The event is in the events stream; History reads it from there.
	rec := reply.RecordOf(d, stored, s.cfg.Required[d.Source], s.cfg.AckTimeout, s.clock())
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	_, err = s.kv.Create(ctx, rec.ID, data)
	if missingStream(err) {
		// The bucket was deleted while hubwire ran: make it again.
		if rerr := s.repair(ctx); rerr != nil {
			return fmt.Errorf("recording delivery of %s: %w", rec.ID, rerr)
		}
		_, err = s.kv.Create(ctx, rec.ID, data)
	}
	queued := false
	if errors.Is(err, jetstream.ErrKeyExists) {
		var now reply.Record
		now, err = s.update(ctx, rec.ID, func(r *reply.Record) bool { return r.TakeReceipt(rec, s.clock()) })
		queued = err == nil && now.Callback.Outcome == reply.OutcomeQueued
	}
	if err != nil {
		// The receiver logs it ("delivery record not written") and
		// answers 503, so that the registry retries.
		s.cfg.Metrics.RecordWriteError(reply.OpReceipt)
		return fmt.Errorf("recording delivery of %s: %w", rec.ID, err)
	}
	if queued {
		if err := s.queue(ctx, "callback", rec.ID, ""); err != nil {
			return fmt.Errorf("recording delivery of %s: %w", rec.ID, err)
		}
	}
	if !rec.Deadline.IsZero() {
		return s.queue(ctx, "timer", rec.ID, "")
	}
	return nil
}

// Redeliver implements reply.Redeliverer: a new chain of attempts of the
// callback of id, queued as work for whichever replica takes it.
func (s *Subscriber) Redeliver(ctx context.Context, id, who string) (reply.Record, error) {
	var refused error
	rec, err := s.update(ctx, id, func(r *reply.Record) bool {
		refused = r.Redeliver(who, s.clock())
		return refused == nil
	})
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrInvalidKey):
		return rec, reply.ErrNoRecord
	case err != nil:
		return rec, err
	case refused != nil:
		return rec, refused
	}
	s.cfg.Logger.Info("callback redelivery", "event_id", id, "chain", rec.Callback.Chain)
	return rec, s.queue(ctx, "callback", id, fmt.Sprint(rec.Callback.Chain))
}

// Audit implements reply.Auditor: entry is added to each record with
// compare-and-set, a few records at a time.
func (s *Subscriber) Audit(ctx context.Context, recs []reply.Record, entry reply.AuditEntry) error {
	errs := make([]error, len(recs))
	sem := make(chan struct{}, lookups)
	var wg sync.WaitGroup
	for i := range recs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			r := &recs[i]
			_, err := s.write(ctx, r.ID, r.Bare, func(rec *reply.Record) bool {
				rec.Note(entry)
				return true
			})
			if err != nil {
				errs[i] = fmt.Errorf("auditing %s: %w", r.ID, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// record returns the record of an event in the bucket; reply.ErrNoRecord
// when there is none (or id could not be a key).
func (s *Subscriber) record(ctx context.Context, id string) (reply.Record, error) {
	var rec reply.Record
	e, err := s.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
		return rec, reply.ErrNoRecord
	}
	if err != nil {
		return rec, err
	}
	return rec, json.Unmarshal(e.Value(), &rec)
}

// ServeHTTP serves the records: see reply.API.
func (s *Subscriber) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	reply.API{History: s}.ServeHTTP(w, req)
}

// records is the bucket as the callback engine changes it.
type records struct{ s *Subscriber }

func (r records) Update(ctx context.Context, id string, change func(*reply.Record) bool) (reply.Record, error) {
	rec, err := r.s.update(ctx, id, change)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		err = reply.ErrNoRecord
	}
	return rec, err
}

// update applies change to the record of id with compare-and-set,
// retrying when another replica changed it meanwhile. change reports
// whether it changed anything; nothing is written otherwise. An id with
// no record is jetstream.ErrKeyNotFound.
func (s *Subscriber) update(ctx context.Context, id string, change func(*reply.Record) bool) (reply.Record, error) {
	return s.write(ctx, id, nil, change)
}

// upsert is update that starts the record (as an ack does) when there is
// none.
func (s *Subscriber) upsert(ctx context.Context, id string, change func(*reply.Record) bool) (reply.Record, error) {
	return s.write(ctx, id, func() reply.Record { return reply.NewAckRecord(id) }, change)
}

// write applies change to the record of id; start, when set, starts the
// record of an id that has none.
func (s *Subscriber) write(ctx context.Context, id string, start func() reply.Record, change func(*reply.Record) bool) (reply.Record, error) {
	for {
		var rec reply.Record
		var rev uint64
		e, err := s.kv.Get(ctx, id)
		switch {
		case start != nil && errors.Is(err, jetstream.ErrKeyNotFound):
			rec = start()
		case err != nil:
			return rec, err
		default:
			if err := json.Unmarshal(e.Value(), &rec); err != nil {
				return rec, fmt.Errorf("record of %s is unreadable: %w", id, err)
			}
			rev = e.Revision()
		}
		if !change(&rec) {
			return rec, nil
		}
		data, _ := json.Marshal(rec)
		if rev == 0 {
			_, err = s.kv.Create(ctx, id, data)
		} else {
			_, err = s.kv.Update(ctx, id, data, rev)
		}
		// nats.go maps both codes a conflict comes with (10071, and 10164
		// from some replicated streams) to ErrKeyRevisionMismatch; a
		// record created meanwhile is ErrKeyExists. Both: read it again.
		if err == nil || !(errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists)) {
			return rec, err
		}
	}
}

// queue puts one piece of work on the work stream; the id in Nats-Msg-Id
// keeps a repeat within the duplicate window from making a second one.
// chain tells a redelivery's work from the first chain's.
func (s *Subscriber) queue(ctx context.Context, kind, id, chain string) error {
	msg := natsgo.NewMsg(workPrefix + "." + kind + "." + id)
	msgID := kind + "-" + id
	if chain != "" {
		msgID += "-" + chain
	}
	msg.Header.Set(jetstream.MsgIDHeader, msgID)
	_, err := s.js.PublishMsg(ctx, msg)
	if missingStream(err) {
		if rerr := s.repair(ctx); rerr != nil {
			return fmt.Errorf("queueing %s of %s: %w", kind, id, rerr)
		}
		_, err = s.js.PublishMsg(ctx, msg)
	}
	if err != nil {
		return fmt.Errorf("queueing %s of %s: %w", kind, id, err)
	}
	return nil
}

// missingStream reports whether err says no stream took a write: one
// deleted while hubwire ran.
func missingStream(err error) bool {
	return err != nil && (errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, natsgo.ErrNoResponders) ||
		errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrBucketNotFound))
}

// answer replies to an ack sent as a NATS request: taken, or why not. An
// ack is taken for any id of the shape hubwire gives events: hubwire keeps
// no record of an event without a callback_url until its first ack, so it
// cannot tell an id it never received from one of those.
func (s *Subscriber) answer(msg *natsgo.Msg) {
	if msg.Reply == "" {
		return
	}
	a, err := reply.ParseAck(msg.Data, strings.TrimPrefix(msg.Subject, AckSubjectPrefix+"."))
	r := reply.AckReply{Accepted: err == nil, EventID: a.EventID}
	if err != nil {
		r.Error = err.Error()
	}
	body, _ := json.Marshal(r)
	msg.Respond(body)
}

// handleAck applies one stored ack. An invalid ack is logged and dropped;
// a failure to apply a valid one is retried.
func (s *Subscriber) handleAck(msg jetstream.Msg) {
	if !s.enter() {
		return
	}
	defer s.busy.Done()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log := s.cfg.Logger.With("subject", msg.Subject())
	a, err := reply.ParseAck(msg.Data(), strings.TrimPrefix(msg.Subject(), AckSubjectPrefix+"."))
	if err != nil {
		log.Warn("ack refused", "event_id", a.EventID, "consumer", a.Consumer, "reason", err)
		s.cfg.Metrics.Ack("invalid")
		msg.Term()
		return
	}
	var seq, tries uint64
	if meta, err := msg.Metadata(); err == nil {
		seq, tries = meta.Sequence.Stream, meta.NumDelivered
	}
	rec, err := s.upsert(ctx, a.EventID, func(r *reply.Record) bool { return r.AddAck(a, seq, s.clock()) })
	if err != nil {
		s.cfg.Metrics.RecordWriteError(reply.OpAck)
		if int(tries) < s.ackAttempts() {
			log.Warn("ack not applied; will retry", "event_id", a.EventID, "attempt", tries, "error", err)
			msg.NakWithDelay(s.ackRetryDelay(int(tries)))
			return
		}
		s.deadLetter(ctx, log, msg, a, err)
		return
	}
	log.Info("ack taken", "event_id", a.EventID, "consumer", a.Consumer, "state", a.State, "callback", rec.Callback.Outcome)
	s.cfg.Metrics.Ack("taken")
	if rec.Callback.Outcome == reply.OutcomeQueued {
		// Queued again if this ack is processed twice: the work stream's
		// duplicate window and the record's outcome keep it to one POST.
		if err := s.queue(ctx, "callback", rec.ID, chainOf(rec)); err != nil {
			log.Error("callback not queued; will retry", "event_id", a.EventID, "error", err)
			msg.NakWithDelay(time.Second)
			return
		}
	}
	msg.Ack()
}

// chainOf is the work id suffix of rec's callback chain: none for the
// first.
func chainOf(rec reply.Record) string {
	if rec.Callback.Chain == 0 {
		return ""
	}
	return fmt.Sprint(rec.Callback.Chain)
}

func (s *Subscriber) ackAttempts() int {
	if s.cfg.AckAttempts > 0 {
		return s.cfg.AckAttempts
	}
	return reply.MaxAckAttempts
}

func (s *Subscriber) ackRetryDelay(n int) time.Duration {
	if s.cfg.AckRetryDelay != nil {
		return s.cfg.AckRetryDelay(n)
	}
	return reply.AckRetryDelay(n)
}

// deadLetter moves an ack that could not be applied after every try to
// the dead-letter stream, as it was sent, and stops its redelivery: one
// message must not be retried for the acks' whole retention. It is logged
// once and counted; should the dead-letter stream not take it either, it
// is retried as before.
func (s *Subscriber) deadLetter(ctx context.Context, log *slog.Logger, msg jetstream.Msg, a reply.Ack, cause error) {
	dl := natsgo.NewMsg(DeadLetterPrefix + "." + a.EventID)
	dl.Data = msg.Data()
	dl.Header.Set("Hubwire-Ack-Subject", msg.Subject())
	dl.Header.Set("Hubwire-Error", cause.Error())
	if _, err := s.js.PublishMsg(ctx, dl); err != nil {
		log.Error("ack not applied, nor dead-lettered; will retry", "event_id", a.EventID, "error", err)
		msg.NakWithDelay(s.ackRetryDelay(s.ackAttempts()))
		return
	}
	msg.Term()
	s.cfg.Metrics.Ack("dead_lettered")
	log.Error("ack not applied after every try; moved to the dead-letter stream", "event_id", a.EventID, "consumer", a.Consumer,
		"attempts", s.ackAttempts(), "stream", DeadLetterStream, "subject", dl.Subject, "error", cause)
}

// handleWork runs one timer check or callback.
func (s *Subscriber) handleWork(msg jetstream.Msg) {
	if !s.enter() {
		return
	}
	defer s.busy.Done()
	rest := strings.TrimPrefix(msg.Subject(), workPrefix+".")
	kind, id, _ := strings.Cut(rest, ".")
	var err error
	switch kind {
	case "timer":
		err = s.timer(msg, id)
	case "callback":
		err = s.callback(msg, id)
	default:
		err = fmt.Errorf("unknown work %q", kind)
	}
	if err != nil {
		s.cfg.Logger.Error("reply work failed; will retry", "work", kind, "event_id", id, "error", err)
		msg.NakWithDelay(2 * time.Second)
	}
}

// timer decides error for an event whose required consumers did not all
// answer in time. Before the deadline it puts itself back until then, so
// the timer survives restarts and moves between replicas.
func (s *Subscriber) timer(msg jetstream.Msg, id string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rec, err := s.record(ctx, id)
	if errors.Is(err, reply.ErrNoRecord) {
		return msg.Ack()
	}
	if err != nil {
		return err
	}
	if rec.Decision != nil {
		return msg.Ack()
	}
	if wait := rec.Deadline.Sub(s.clock()); wait > 0 {
		return msg.NakWithDelay(wait)
	}
	rec, err = s.update(ctx, id, func(r *reply.Record) bool { return r.Timeout(s.clock()) })
	if err != nil {
		// handleWork logs it, and the timer comes back in 2s.
		s.cfg.Metrics.RecordWriteError(reply.OpTimeout)
		return err
	}
	if rec.Callback.Outcome == reply.OutcomeQueued {
		s.cfg.Logger.Info("ack timeout", "event_id", id, "description", rec.Decision.Description)
		if err := s.queue(ctx, "callback", id, ""); err != nil {
			return err
		}
	}
	return msg.Ack()
}

// postingLease is how long a replica's claim on a callback holds without
// word from it before another may take the callback over. The engine
// renews it four times a lease.
const postingLease = time.Minute

// callback posts the decided callback of id, once, with the engine; the
// work message is acked when the callback is finished (or there is none
// to post), and handed back otherwise.
func (s *Subscriber) callback(msg jetstream.Msg, id string) error {
	res, err := s.engine.Callback(s.life, id, func() { msg.InProgress() })
	if err != nil {
		return err
	}
	switch res.Outcome {
	case reply.OutcomePosting:
		return msg.NakWithDelay(res.Again)
	case reply.OutcomeInterrupted:
		return msg.Nak()
	}
	return msg.Ack()
}
