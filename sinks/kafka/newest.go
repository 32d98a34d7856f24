package kafka

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

// NewestQuery says which events Newest reads.
type NewestQuery struct {
	// Brokers, Topic, Transport and Dialer are as in ReplayConfig.
	Brokers   []string
	Topic     string
	Transport *kafkago.Transport
	Dialer    *kafkago.Dialer
	// Before, when set, reads only records before these offsets, by
	// partition: the next page of a list that ended there (Cursor).
	Before map[int]int64
	// Limit is the most events returned (default 50).
	Limit int
	// MaxScan bounds the records read to find them (default 100,000).
	MaxScan int
	// Keep, when set, selects the events returned among those read.
	Keep func(Stored) bool
	// Since, when set, reads only the records stored at or after it (by
	// the brokers' time index): a list of the last minutes reads those
	// minutes, not MaxScan records.
	Since time.Time
}

// Newest reads the events of a topic newest first (by record time, then
// partition and offset), without anything kept beside the topic: it reads
// a window at the end of every partition, then the windows below it, each
// four times the last, until Limit events are known to be the newest,
// every partition is read to its start or MaxScan records were read. No
// record is read, nor given to Keep, twice. It returns the events and the
// offsets to pass as Before for the next page, nil when none is left.
// Each event's After is the offsets of a page that would end with it: a
// list that shows fewer events than it read goes on from the last one
// shown.
func Newest(ctx context.Context, q NewestQuery) ([]Stored, map[int]int64, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.MaxScan <= 0 {
		q.MaxScan = 100_000
	}
	// Where each partition starts and ends now.
	bounds, err := NewReader(ctx, ReplayConfig{Brokers: q.Brokers, Topic: q.Topic, Transport: q.Transport, Dialer: q.Dialer, Ends: q.Before, StartTime: q.Since})
	if err != nil {
		return nil, nil, err
	}
	ends := map[int]int64{}
	firsts := map[int]int64{}
	starts := map[int]int64{} // where what was read so far starts
	for _, p := range bounds.parts {
		ends[p.partition], firsts[p.partition], starts[p.partition] = p.end, p.start, p.end
	}
	// Every window is read by one reader over the ranges below the last;
	// the partitions and their bounds are known, so no more lookups.
	cfg := ReplayConfig{Brokers: q.Brokers, Topic: q.Topic, Transport: q.Transport, Dialer: q.Dialer, Undecodable: func(int, int64, error) {}}
	type seen struct {
		Stored
		kept, known bool
	}
	var read []seen
	window := int64(max(2*q.Limit, 64))
	for scanned := 0; ; window *= 4 {
		r := &Reader{cfg: cfg}
		for p, end := range ends {
			if start := max(firsts[p], end-window); start < starts[p] {
				r.parts = append(r.parts, partitionRange{partition: p, start: start, end: starts[p]})
				starts[p] = start
			}
		}
		if err := r.Read(ctx, func(s Stored) error { read = append(read, seen{Stored: s}); scanned++; return nil }); err != nil {
			return nil, nil, err
		}
		slices.SortFunc(read, func(a, b seen) int { return newestFirst(a.Stored, b.Stored) })
		// A record is surely among the newest once it is at least as new
		// as the oldest record read of every partition not read to its
		// start: an older partition's unread records are older still.
		var frontier *Stored
		exhausted := true
		for p, start := range starts {
			if start <= firsts[p] {
				continue
			}
			exhausted = false
			for i := len(read) - 1; i >= 0; i-- {
				if read[i].Partition == p {
					if frontier == nil || newestFirst(read[i].Stored, *frontier) < 0 {
						frontier = &read[i].Stored
					}
					break
				}
			}
		}
		sure := len(read)
		if !exhausted && scanned < q.MaxScan && frontier != nil {
			sure = sort.Search(len(read), func(i int) bool { return newestFirst(read[i].Stored, *frontier) > 0 })
		}
		var out []Stored
		consumed := sure
		for i := range read[:sure] {
			if s := &read[i]; !s.known {
				s.kept, s.known = q.Keep == nil || q.Keep(s.Stored), true
				if !s.kept {
					// Only its place counts now: a search of the whole
					// topic holds no more events than it returns.
					s.Event, s.Key = nil, nil
				}
			}
			if read[i].kept {
				out = append(out, read[i].Stored)
				if len(out) == q.Limit {
					consumed = i + 1
					break
				}
			}
		}
		if len(out) == q.Limit || exhausted || scanned >= q.MaxScan {
			// The records passed over count too: the next page starts
			// after the last one read, kept or not.
			next := maps.Clone(ends)
			j := 0
			for _, s := range read[:consumed] {
				next[s.Partition] = min(next[s.Partition], s.Offset)
				if s.kept {
					out[j].After = maps.Clone(next)
					j++
				}
			}
			if exhausted && consumed == len(read) {
				return out, nil, nil
			}
			return out, next, nil
		}
	}
}

// newestFirst orders records newest first, then by partition and offset
// from the last.
func newestFirst(a, b Stored) int {
	if c := b.Time.Compare(a.Time); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Partition, b.Partition); c != 0 {
		return c
	}
	return cmp.Compare(b.Offset, a.Offset)
}

// Cursor writes the offsets Newest returned as text ("0:12,1:40"), for a
// URL; ParseCursor reads it back.
func Cursor(next map[int]int64) string {
	var parts []string
	for _, p := range slices.Sorted(maps.Keys(next)) {
		parts = append(parts, fmt.Sprintf("%d:%d", p, next[p]))
	}
	return strings.Join(parts, ",")
}

// ParseCursor reads a Cursor.
func ParseCursor(c string) (map[int]int64, error) {
	out := map[int]int64{}
	for _, part := range strings.Split(c, ",") {
		ps, os, ok := strings.Cut(part, ":")
		p, perr := strconv.Atoi(ps)
		o, oerr := strconv.ParseInt(os, 10, 64)
		if !ok || perr != nil || oerr != nil || p < 0 || o < 0 {
			return nil, fmt.Errorf("cursor %q: not one hubwire gave (want partition:offset pairs)", c)
		}
		out[p] = o
	}
	return out, nil
}
