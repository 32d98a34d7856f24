package kafkareply

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/internal/rawjson"
	kafkasink "github.com/hubwire/hubwire/sinks/kafka"
)

// The bounds of a read of the events topic, as on NATS: a list (or the
// search of one event) reads at most maxScan records, however little its
// filter matches.
const (
	maxScan  = 100_000
	maxNoLim = 10_000 // the most events of a list that asks for all
)

// Get returns what hubwire knows of an event: its record from the view
// (acks, callback, audit), completed with the event as the events topic
// holds it and where; an event without a record is found in the topic
// alone (a bounded scan, newest first). reply.ErrNoRecord when neither
// has it.
func (k *Subscriber) Get(ctx context.Context, id string) (reply.Record, error) {
	rec, found := k.record(id)
	if k.cfg.Events == "" || id == "" {
		if !found {
			return rec, reply.ErrNoRecord
		}
		return rec, nil
	}
	if found && !rec.ReceivedAt.IsZero() {
		// Recorded at receipt, beside the publish: the topic stored it
		// within moments of ReceivedAt, read from there.
		if st, err := k.near(ctx, id, rec.ReceivedAt); err == nil && st != nil {
			return k.complete(rec, *st), nil
		}
	}
	q := k.newest()
	q.Limit = 1
	q.Keep = func(s kafkasink.Stored) bool { return s.Event.ID() == id }
	got, _, err := kafkasink.Newest(ctx, q)
	switch {
	case err != nil && found:
		// The record alone still says what hubwire did.
		return rec, nil
	case err != nil:
		return rec, fmt.Errorf("reading Kafka topic %s: %w", k.cfg.Events, err)
	case len(got) == 0 && found:
		return rec, nil
	case len(got) == 0:
		return rec, reply.ErrNoRecord
	}
	if !found {
		rec = reply.NewAckRecord(id)
	}
	return k.complete(rec, got[0]), nil
}

// record is id's record in the view, unless the retention dropped it.
func (k *Subscriber) record(id string) (reply.Record, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	rec, ok := k.view[id]
	if !ok || k.expired(&rec, k.clock()) {
		return reply.Record{}, false
	}
	return rec, true
}

// newest is a read of the events topic, newest first.
func (k *Subscriber) newest() kafkasink.NewestQuery {
	return kafkasink.NewestQuery{Brokers: k.cfg.Brokers, Topic: k.cfg.Events, Transport: k.cfg.Transport, Dialer: k.cfg.Dialer, MaxScan: maxScan}
}

// errFound ends a read that found what it looked for.
var errFound = errors.New("found")

// near finds event id among the events the topic stored around at (its
// record's receipt): nil when it is not there.
func (k *Subscriber) near(ctx context.Context, id string, at time.Time) (*kafkasink.Stored, error) {
	r, err := kafkasink.NewReader(ctx, kafkasink.ReplayConfig{Brokers: k.cfg.Brokers, Topic: k.cfg.Events, Transport: k.cfg.Transport, Dialer: k.cfg.Dialer,
		StartTime: at.Add(-time.Second), Until: at.Add(time.Minute), Undecodable: func(int, int64, error) {}})
	if err != nil {
		return nil, err
	}
	var found *kafkasink.Stored
	read := 0
	err = r.Read(ctx, func(s kafkasink.Stored) error {
		if s.Event.ID() == id {
			found = &s
			return errFound
		}
		if read++; read >= maxScan {
			return errFound
		}
		return nil
	})
	if err != nil && !errors.Is(err, errFound) {
		return nil, err
	}
	return found, nil
}

// List returns the events q selects, newest first in the topic's order
// (by record time), read from the events topic: each with its record
// from the view, when it has one. Every filter is checked on each record
// read; the outcome, which only a record knows, from the view, which
// every replica keeps whole. Each event returned carries the offsets a
// page ending with it goes on from (Record.Next, the cursor).
func (k *Subscriber) List(ctx context.Context, q reply.Query) ([]reply.Record, error) {
	if k.cfg.Events == "" {
		return nil, errors.New("listing events: no events topic configured")
	}
	nq := k.newest()
	nq.Before, nq.Limit, nq.Since = q.Offsets, q.Limit, q.Since
	if nq.Limit <= 0 {
		nq.Limit = maxNoLim
	}
	// What the topic's record alone answers; the text and outcome below.
	plain := q
	plain.Outcome, plain.Text, plain.AfterID, plain.AfterTime, plain.Before, plain.Offsets, plain.Limit = "", "", "", time.Time{}, 0, nil, 0
	nq.Keep = func(s kafkasink.Stored) bool {
		r := k.fromTopic(s)
		rec, has := k.record(r.ID)
		if has && rec.Source != "" {
			r.Source = rec.Source
		}
		if !plain.Match(&r) {
			return false
		}
		if q.Text != "" {
			if ev, err := rawjson.Marshal(s.Event); err == nil {
				r.Event = ev
			}
			if !(reply.Query{Text: q.Text}).Match(&r) {
				return false
			}
		}
		if q.Outcome != "" {
			if !has {
				rec = reply.NewAckRecord(r.ID)
			}
			if !(reply.Query{Outcome: q.Outcome}).Match(&rec) {
				return false
			}
		}
		return true
	}
	got, _, err := kafkasink.Newest(ctx, nq)
	if err != nil {
		return nil, fmt.Errorf("listing Kafka topic %s: %w", k.cfg.Events, err)
	}
	out := make([]reply.Record, len(got))
	for i, s := range got {
		id := s.Event.ID()
		rec, ok := k.record(id)
		if !ok {
			rec = reply.NewAckRecord(id)
		}
		out[i] = k.complete(rec, s)
		out[i].Next = s.After
	}
	return out, nil
}

// fromTopic is what one record of the events topic says of its event.
// The registry is the one that makes its type (the topic's records do
// not name it, NATS's subjects do).
func (k *Subscriber) fromTopic(s kafkasink.Stored) reply.Record {
	e := s.Event
	return reply.Record{
		ID: e.ID(), Type: e.Type(), Subject: e.Subject(), Source: k.cfg.Registries[e.Type()],
		ReceivedAt: s.Time, EventTime: e.Time(),
		Stored:   reply.Destination{Broker: "kafka", Stream: k.cfg.Events, Partition: s.Partition, Seq: uint64(s.Offset), Located: true},
		Callback: reply.Callback{Outcome: reply.OutcomeNone},
	}
}

// complete fills rec (the view's, or a bare one) with what the topic
// holds of its event: where it is stored, when, and the event as
// published.
func (k *Subscriber) complete(rec reply.Record, s kafkasink.Stored) reply.Record {
	rec.Complete(k.fromTopic(s))
	if ev, err := rawjson.Marshal(s.Event); err == nil {
		rec.Event = ev
	}
	return rec
}
