package reply

import (
	"cmp"
	"context"
	"slices"
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
	// Type is the event's type, such as com.docker.hub.push.
	Type string
	// Outcome is the callback's: none, waiting, queued, posting, sent,
	// failed, refused.
	Outcome string
	// Limit is the most records returned, the newest; 0 for all.
	Limit int
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
		q.Outcome != "" && r.Callback.Outcome != q.Outcome:
		return false
	}
	return true
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

// outcomes are the values of Callback.Outcome.
var outcomes = []string{OutcomeNone, OutcomeWaiting, OutcomeQueued, OutcomePosting, OutcomeSent, OutcomeFailed, OutcomeRefused}
