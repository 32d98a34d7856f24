package natsreply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hubwire/hubwire/adapter/reply"
	natssink "github.com/hubwire/hubwire/sinks/nats"
)

// The bounds of a read of the events stream: a list (or the search of one
// event) reads at most MaxScan messages, however little its filter matches.
const (
	// MaxScan is the most messages a list reads.
	MaxScan  = 100_000
	maxNoLim = 10_000 // the most records of a list that asks for all
	lookups  = 16     // records of a page looked up at once
)

// Get returns what hubwire knows of an event: its record from the bucket
// (acks, callback, audit), completed with the event as the stream holds
// it; an event without a record is found in the stream alone (a bounded
// scan, newest first). reply.ErrNoRecord when neither has it.
func (s *Subscriber) Get(ctx context.Context, id string) (reply.Record, error) {
	rec, err := s.record(ctx, id)
	found := err == nil
	if err != nil && !errors.Is(err, reply.ErrNoRecord) {
		return rec, err
	}
	if s.cfg.Events == "" || id == "" {
		return rec, err
	}
	q := natssink.NewestQuery{Stream: s.cfg.Events, Limit: 1, MaxScan: MaxScan,
		Keep: func(st *natssink.Stored) bool { return st.Attribute("id") == id }}
	if found && validToken(rec.Source) {
		q.Subjects = []string{natssink.DefaultSubjectPrefix + "." + rec.Source + ".>"}
	}
	if found && !rec.ReceivedAt.IsZero() {
		// Recorded at receipt, beside the publish: the stream stored it
		// within moments of ReceivedAt, read from there.
		if st := s.near(ctx, q.Subjects, id, rec.ReceivedAt); st != nil {
			return s.complete(rec, st), nil
		}
	}
	got, _, serr := natssink.Newest(ctx, s.cfg.Conn, q)
	if serr != nil {
		if found {
			// The record alone still says what hubwire did.
			return rec, nil
		}
		return rec, fmt.Errorf("reading stream %s: %w", s.cfg.Events, serr)
	}
	if len(got) == 0 {
		if found {
			return rec, nil
		}
		return rec, reply.ErrNoRecord
	}
	if !found {
		rec = reply.NewAckRecord(id)
	}
	return s.complete(rec, got[0]), nil
}

// near finds event id among the events the stream stored around at (a
// record's receipt), or nil.
func (s *Subscriber) near(ctx context.Context, subjects []string, id string, at time.Time) *natssink.Stored {
	r, err := natssink.NewReader(ctx, s.cfg.Conn, natssink.ReplayConfig{Stream: s.cfg.Events, Subjects: subjects,
		StartTime: at.Add(-time.Second), Until: at.Add(time.Minute), Batch: 256})
	if err != nil {
		return nil
	}
	defer r.Close()
	var found *natssink.Stored
	errFound := errors.New("found")
	read := 0
	r.Read(ctx, func(st *natssink.Stored) error {
		if st.Attribute("id") == id {
			found = st
			return errFound
		}
		if read++; read >= MaxScan {
			return errFound
		}
		return nil
	})
	return found
}

// List returns the events q selects, newest first in the stream's order,
// read from the events stream (nothing is kept beside it): each with its
// record from the bucket, when it has one. The registry filters by
// subject; the rest is checked on each message read, and the outcome,
// which only a record knows, looks the record up for each candidate.
func (s *Subscriber) List(ctx context.Context, q reply.Query) ([]reply.Record, error) {
	if s.cfg.Events == "" {
		return nil, errors.New("listing events: no events stream configured")
	}
	// The stream's time is the record's (ReceivedAt) for the events it
	// lists: an event stored before q.Since ends the read.
	nq := natssink.NewestQuery{Stream: s.cfg.Events, Before: q.Before, Limit: q.Limit, MaxScan: MaxScan, Since: q.Since}
	if nq.Limit <= 0 {
		nq.Limit = maxNoLim
	}
	if q.Registry != "" {
		if !validToken(q.Registry) {
			return nil, nil // no subject holds it
		}
		nq.Subjects = []string{natssink.DefaultSubjectPrefix + "." + q.Registry + ".>"}
	}
	// What the message alone answers; the rest below.
	plain := q
	plain.Outcome, plain.Text, plain.AfterID, plain.AfterTime, plain.Before, plain.Limit = "", "", "", time.Time{}, 0, 0
	// Records looked up for the outcome filter, kept for the answer.
	looked := map[uint64]reply.Record{}
	var lookErr error
	nq.Keep = func(st *natssink.Stored) bool {
		r := s.fromStream(st)
		if !plain.Match(&r) {
			return false
		}
		if q.Text != "" {
			if ev, err := st.AppendJSON(nil); err == nil {
				r.Event = ev
			}
			if !(reply.Query{Text: q.Text}).Match(&r) {
				return false
			}
		}
		if q.Outcome != "" {
			rec, err := s.record(ctx, r.ID)
			switch {
			case errors.Is(err, reply.ErrNoRecord):
				rec = reply.NewAckRecord(r.ID)
			case err != nil:
				lookErr = err
				return false
			}
			rec = s.complete(rec, st)
			if !(reply.Query{Outcome: q.Outcome}).Match(&rec) {
				return false
			}
			looked[st.Seq] = rec
		}
		return true
	}
	got, _, err := natssink.Newest(ctx, s.cfg.Conn, nq)
	if err == nil {
		err = lookErr
	}
	if err != nil {
		return nil, fmt.Errorf("listing stream %s: %w", s.cfg.Events, err)
	}
	// The records of the page, looked up a few at a time: a page of a
	// thousand costs a few dozen round trips, not a thousand.
	out := make([]reply.Record, len(got))
	errs := make([]error, len(got))
	sem := make(chan struct{}, lookups)
	var wg sync.WaitGroup
	for i, st := range got {
		if rec, ok := looked[st.Seq]; ok {
			out[i] = rec
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			id := st.Attribute("id")
			rec, err := s.record(ctx, id)
			switch {
			case errors.Is(err, reply.ErrNoRecord):
				rec = reply.NewAckRecord(id)
			case err != nil:
				errs[i] = fmt.Errorf("listing stream %s: record of %s: %w", s.cfg.Events, id, err)
				return
			}
			out[i] = s.complete(rec, st)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// fromStream is what one stored message says of its event, without the
// event's JSON: enough for the filters.
func (s *Subscriber) fromStream(st *natssink.Stored) reply.Record {
	r := reply.Record{
		ID: st.Attribute("id"), Type: st.Attribute("type"), Subject: st.Attribute("subject"),
		Source: registryOf(st.Subject), ReceivedAt: st.Time,
		Stored:   reply.Destination{Broker: "nats", Stream: s.cfg.Events, Seq: st.Seq, Located: true},
		Callback: reply.Callback{Outcome: reply.OutcomeNone},
	}
	if t, err := time.Parse(time.RFC3339Nano, st.Attribute("time")); err == nil {
		r.EventTime = t
	}
	return r
}

// complete fills rec (the bucket's, or a bare one) with what the stream
// holds of its event: where it is stored, when, and the event as published.
func (s *Subscriber) complete(rec reply.Record, st *natssink.Stored) reply.Record {
	rec.Complete(s.fromStream(st))
	if ev, err := st.AppendJSON(nil); err == nil {
		rec.Event = ev
	}
	return rec
}

// registryOf is the registry of an event's subject:
// <prefix>.<registry>.<kind>.<namespace>.<name>.
func registryOf(subject string) string {
	rest, ok := strings.CutPrefix(subject, natssink.DefaultSubjectPrefix+".")
	if !ok {
		return ""
	}
	reg, _, _ := strings.Cut(rest, ".")
	return reg
}

// validToken reports whether s can be one token of a subject filter.
func validToken(s string) bool {
	return s != "" && !strings.ContainsAny(s, ".*> \t\r\n")
}
