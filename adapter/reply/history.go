package reply

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// History is the delivery records as a reader sees them: one event's,
// or a list. The API serves it, and a web console can be built on it; both
// brokers implement it.
type History interface {
	// Get returns the record of id; ErrNoRecord when there is none.
	Get(ctx context.Context, id string) (Record, error)
	// List returns the records q matches, newest first (by Record.Time).
	List(ctx context.Context, q Query) ([]Record, error)
}

// Query selects records. A zero field selects any.
type Query struct {
	// Since and Until bound Record.Time: Since included, Until not.
	Since, Until time.Time
	// Registry is the record's Source: dockerhub, dtr.
	Registry string
	// Repository matches Record.Repository, the subject without its tag
	// or digest; a record with no subject has none.
	Repository string
	// Tag matches the tag of the record's subject (<repository>:<tag>).
	Tag string
	// Type is the event's type, such as com.docker.hub.push.
	Type string
	// Outcome is the callback's: none, waiting, queued, posting, sent,
	// failed, refused; or acked (any ack taken) or unacked (none).
	Outcome string
	// Text, when set, selects the records whose id, subject or event (its
	// data holds the delivery's payload) contain it, in any case.
	Text string
	// AfterTime and AfterID, when set, select the records that come after
	// that one in a list (older, or as old with a greater id): the cursor
	// of a list's next page.
	AfterTime time.Time
	AfterID   string
	// Before, when not 0, selects the events stored before this stream
	// sequence: the cursor of a list read from the events stream (NATS),
	// whose order is the stream's.
	Before uint64
	// Offsets, when set, selects the events stored before these offsets,
	// by partition: the cursor of a list read from the events topic
	// (Kafka), whose order is the topic's.
	Offsets map[int]int64
	// Limit is the most records returned, the newest; 0 for all.
	Limit int
}

// Redeliverer starts a new chain of attempts of an event's callback
// (Record.Redeliver); both brokers' subscribers implement it.
type Redeliverer interface {
	Redeliver(ctx context.Context, id, who string) (Record, error)
}

// Auditor notes in events' records what people did to them (a replay);
// both brokers' subscribers implement it.
type Auditor interface {
	// Audit adds entry to the record of each of recs' events (Note); an
	// event without a record gets one, started with recs' Bare.
	Audit(ctx context.Context, recs []Record, entry AuditEntry) error
}

// Match reports whether q selects r.
func (q Query) Match(r *Record) bool {
	t := r.Time()
	switch {
	case !q.Since.IsZero() && t.Before(q.Since),
		!q.Until.IsZero() && !t.Before(q.Until),
		q.Registry != "" && r.Source != q.Registry,
		q.Repository != "" && r.Repository() != q.Repository,
		q.Type != "" && r.Type != q.Type,
		q.Tag != "" && r.Tag() != q.Tag,
		q.Outcome != "" && !r.hasOutcome(q.Outcome),
		q.AfterID != "" && !after(t, r.ID, q.AfterTime, q.AfterID),
		q.Text != "" && !r.contains(q.Text):
		return false
	}
	return true
}

// after reports whether the record at (t, id) comes after the one at
// (at, aid) in a list, newest first, ties by id.
func after(t time.Time, id string, at time.Time, aid string) bool {
	if c := t.Compare(at); c != 0 {
		return c < 0
	}
	return id > aid
}

// hasOutcome reports whether r's callback has outcome o, or for acked and
// unacked, whether r has acks.
func (r *Record) hasOutcome(o string) bool {
	switch o {
	case OutcomeAcked:
		return len(r.Acks) > 0
	case OutcomeUnacked:
		return len(r.Acks) == 0
	}
	return r.Callback.Outcome == o
}

// contains reports whether text is in r's id, subject or event, in any
// case (ASCII case folding: ids, names and payload keys are ASCII).
func (r *Record) contains(text string) bool {
	return containsFold(r.ID, text) || containsFold(r.Subject, text) || containsFold(string(r.Event), text)
}

// containsFold is strings.Contains under ASCII case folding, without
// copying s.
func containsFold(s, sub string) bool {
	n := len(sub)
	if n == 0 {
		return true
	}
	first := lower(sub[0])
	for i := 0; i+n <= len(s); i++ {
		if lower(s[i]) != first {
			continue
		}
		j := 1
		for j < n && lower(s[i+j]) == lower(sub[j]) {
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Cursor names the place in a list after r, for Query.AfterTime and
// AfterID, Before or Offsets (ParseQuery reads it back from the cursor
// parameter).
func Cursor(r *Record) string {
	switch {
	case r.Next != nil:
		// A list read from a Kafka topic goes on below these offsets.
		parts := make([]string, 0, len(r.Next))
		for _, p := range slices.Sorted(maps.Keys(r.Next)) {
			parts = append(parts, strconv.Itoa(p)+":"+strconv.FormatInt(r.Next[p], 10))
		}
		return encodeCursor("offsets " + strings.Join(parts, ","))
	case r.Stored.Broker == "nats" && r.Stored.Seq != 0:
		// A list read from the stream goes on before this sequence.
		return encodeCursor("seq " + strconv.FormatUint(r.Stored.Seq, 10))
	}
	return encodeCursor(r.Time().UTC().Format(time.RFC3339Nano) + " " + r.ID)
}

func encodeCursor(c string) string { return base64.RawURLEncoding.EncodeToString([]byte(c)) }

var errCursor = errors.New("not a cursor hubwire gave: use the next of the last answer")

// setCursor reads a Cursor into q: a time and an id, a stream sequence,
// or partitions' offsets.
func (q *Query) setCursor(c string) error {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return errCursor
	}
	kind, rest, ok := strings.Cut(string(b), " ")
	if !ok || rest == "" {
		return errCursor
	}
	switch kind {
	case "seq":
		seq, err := strconv.ParseUint(rest, 10, 64)
		if err != nil || seq == 0 {
			return errCursor
		}
		q.Before = seq
		return nil
	case "offsets":
		offsets := map[int]int64{}
		for part := range strings.SplitSeq(rest, ",") {
			ps, os, ok := strings.Cut(part, ":")
			p, perr := strconv.Atoi(ps)
			o, oerr := strconv.ParseInt(os, 10, 64)
			if !ok || perr != nil || oerr != nil || p < 0 || o < 0 {
				return errCursor
			}
			offsets[p] = o
		}
		q.Offsets = offsets
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, kind)
	if err != nil {
		return errCursor
	}
	q.AfterTime, q.AfterID = t, rest
	return nil
}

// NewestOf is Newest over pointers to the records (a view's), which it
// orders and copies only the first q.Limit of: a list of a large view
// then moves no more records than it returns.
func (q Query) NewestOf(recs []*Record) []Record {
	slices.SortFunc(recs, func(a, b *Record) int {
		if c := b.Time().Compare(a.Time()); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if q.Limit > 0 && len(recs) > q.Limit {
		recs = recs[:q.Limit]
	}
	out := make([]Record, len(recs))
	for i, r := range recs {
		out[i] = *r
	}
	return out
}

// Newest orders recs newest first (ties by id, so that a list is the
// same each time) and keeps the first q.Limit: what List returns, given
// the records q matches.
func (q Query) Newest(recs []Record) []Record {
	slices.SortFunc(recs, func(a, b Record) int {
		if c := b.Time().Compare(a.Time()); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if q.Limit > 0 && len(recs) > q.Limit {
		recs = recs[:q.Limit:q.Limit]
	}
	return recs
}

// Outcomes a list can be filtered by beside the callback's: whether the
// event has acks.
const (
	OutcomeAcked   = "acked"
	OutcomeUnacked = "unacked"
)

// Outcomes are the values of Query.Outcome: the callback's outcomes, then
// acked and unacked.
var Outcomes = []string{OutcomeNone, OutcomeWaiting, OutcomeQueued, OutcomePosting, OutcomeSent, OutcomeFailed, OutcomeRefused, OutcomeAcked, OutcomeUnacked}
