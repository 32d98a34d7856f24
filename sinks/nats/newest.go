package nats

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NewestQuery says which events Newest reads.
type NewestQuery struct {
	// Stream is the JetStream stream (HUBWIRE_EVENTS).
	Stream string
	// Subjects filter the stream (see FilterSubjects); none reads all of it.
	Subjects []string
	// Before, when not 0, reads only events stored before this stream
	// sequence: the next page of a list that ended there.
	Before uint64
	// Limit is the most events returned (default 50).
	Limit int
	// MaxScan bounds the messages read to find them (default 100,000), so
	// that a filter that matches little answers in bounded time.
	MaxScan int
	// Keep, when set, selects the events returned among those read.
	Keep func(*Stored) bool
	// Since, when set, stops the read at the first event the stream
	// stored before it (the stream's times only grow): a list of the
	// last hour reads the last hour, not MaxScan messages.
	Since time.Time
}

// errWindowEnd ends the read of one window.
var errWindowEnd = errors.New("end of window")

// Newest reads the events of a stream newest first, without anything
// kept beside the stream: it reads windows of the stream backwards from
// its end (or q.Before), each window in stream order with an ordered
// consumer, doubling the window until it has q.Limit events, the start
// of the stream is reached or q.MaxScan messages were read. It returns
// the events and the sequence to pass as Before for the next page, 0
// when no event is left before them.
func Newest(ctx context.Context, nc *natsgo.Conn, q NewestQuery) ([]*Stored, uint64, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.MaxScan <= 0 {
		q.MaxScan = 100_000
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, 0, err
	}
	stream, err := js.Stream(ctx, q.Stream)
	if err != nil {
		return nil, 0, fmt.Errorf("looking up stream %s: %w", q.Stream, err)
	}
	state := stream.CachedInfo().State
	if state.Msgs == 0 {
		return nil, 0, nil
	}
	end := state.LastSeq
	if q.Before > 0 {
		end = min(end, q.Before-1)
	}
	var out []*Stored
	window := uint64(max(2*q.Limit, 256))
	scanned := 0
	for end >= state.FirstSeq && end > 0 {
		start := state.FirstSeq
		if end-state.FirstSeq+1 > window {
			start = end - window + 1
		}
		r, err := NewReader(ctx, nc, ReplayConfig{Stream: q.Stream, Subjects: q.Subjects, StartSeq: start, Batch: int(min(window, 1000))})
		if err != nil {
			return nil, 0, err
		}
		var page []*Stored
		older := false // an event before q.Since was read
		err = r.Read(ctx, func(s *Stored) error {
			if s.Seq > end {
				return errWindowEnd
			}
			if !q.Since.IsZero() && s.Time.Before(q.Since) {
				older = true
			} else if q.Keep == nil || q.Keep(s) {
				page = append(page, s)
			}
			if s.Seq == end {
				return errWindowEnd
			}
			return nil
		})
		r.Close()
		if err != nil && !errors.Is(err, errWindowEnd) {
			return nil, 0, err
		}
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		slices.Reverse(page)
		out = append(out, page...)
		scanned += int(end - start + 1)
		if len(out) >= q.Limit {
			out = out[:q.Limit]
			return out, out[q.Limit-1].Seq, nil
		}
		if start == state.FirstSeq || older {
			return out, 0, nil
		}
		if scanned >= q.MaxScan {
			// Not at the start: the caller may go on from here.
			return out, start, nil
		}
		end = start - 1
		window *= 2
	}
	return out, 0, nil
}
