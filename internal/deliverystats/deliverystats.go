// Package deliverystats keeps the last hour of hubwire's delivery counters
// per registry, read from hubwire's own Prometheus registry: the console's
// health page draws them, with no Prometheus server to ask. A Sampler
// gathers the registry every minute and keeps, per registry and minute,
// what the counters grew by, in a ring of fixed size: its memory does not
// grow with the deliveries, nor with time.
//
// The counts are this process's since it started (the counters are
// replica-local).
package deliverystats

import (
	"context"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The counters read, by name; see docs/guarantees.md.
const (
	requestsMetric   = "hubwire_webhook_requests_total" // {source, status, reason}
	publishedMetric  = "hubwire_events_published_total" // {type, broker, source}
	duplicatesMetric = "hubwire_events_duplicate_total" // {broker, source}
	sourceLabel      = "source"
	statusLabel      = "status"
	unknownSource    = "unknown" // the receiver's source for a path of no registry
	maxStatuses      = 16        // distinct HTTP statuses kept apart; more share "other"
	otherStatus      = 0
)

// Config configures a Sampler.
type Config struct {
	// Gatherer is hubwire's Prometheus registry.
	Gatherer prometheus.Gatherer
	// Registries are the registries counted (a row each), in the order
	// shown; deliveries to an unknown source are counted as "unknown".
	Registries []string
	// Every is how often the counters are read, and the width of a slot
	// of the window: a minute unless set.
	Every time.Duration
	// Span is the window: an hour unless set.
	Span time.Duration
	// Clock is time.Now unless set (tests).
	Clock func() time.Time
}

// Sampler reads the counters every Config.Every and keeps what they grew
// by over the last Config.Span.
type Sampler struct {
	cfg     Config
	rows    map[string]int // registry (source label) to row
	started time.Time

	mu sync.Mutex
	// statuses are the HTTP statuses seen, each a column, in the order
	// first seen; at most maxStatuses, then otherStatus.
	statuses []int
	// last is the counters as last read, [row][column].
	last [][]float64
	// slots is the ring: slot i holds the minute that started at
	// starts[i], [row][column] what the counters grew by in it.
	slots  [][][]uint32
	starts []time.Time
}

// Columns of a row, before the statuses.
const (
	colStored = iota
	colDuplicate
	fixedColumns
)

// New returns a Sampler; Run reads the counters, or Sample once.
func New(cfg Config) *Sampler {
	if cfg.Every <= 0 {
		cfg.Every = time.Minute
	}
	if cfg.Span <= 0 {
		cfg.Span = time.Hour
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	names := append(slices.Clone(cfg.Registries), unknownSource)
	cfg.Registries = names // the rows, "unknown" last
	s := &Sampler{cfg: cfg, rows: map[string]int{}, started: cfg.Clock()}
	for i, n := range names {
		s.rows[n] = i
	}
	n := int((cfg.Span + cfg.Every - 1) / cfg.Every)
	cols := fixedColumns + maxStatuses
	s.last = grid(len(names), cols)
	s.slots = make([][][]uint32, n)
	s.starts = make([]time.Time, n)
	for i := range s.slots {
		s.slots[i] = make([][]uint32, len(names))
		for r := range s.slots[i] {
			s.slots[i][r] = make([]uint32, cols)
		}
	}
	return s
}

func grid(rows, cols int) [][]float64 {
	g := make([][]float64, rows)
	for i := range g {
		g[i] = make([]float64, cols)
	}
	return g
}

// Run samples every Config.Every until ctx ends.
func (s *Sampler) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Sample()
		}
	}
}

// Sample reads the counters now and adds what they grew by since the last
// read to the current slot. The first read counts all since the process
// started, as the counters did.
func (s *Sampler) Sample() {
	// A Gather that fails in part still returns what it read.
	families, _ := s.cfg.Gatherer.Gather()
	now := s.cfg.Clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := grid(len(s.last), len(s.last[0]))
	for _, f := range families {
		col := -1
		switch f.GetName() {
		case publishedMetric:
			col = colStored
		case duplicatesMetric:
			col = colDuplicate
		case requestsMetric:
		default:
			continue
		}
		for _, m := range f.GetMetric() {
			row, c := -1, col
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case sourceLabel:
					if r, ok := s.rows[l.GetValue()]; ok {
						row = r
					}
				case statusLabel:
					if col < 0 {
						c = s.statusColumn(l.GetValue())
					}
				}
			}
			if row >= 0 && c >= 0 {
				cur[row][c] += m.GetCounter().GetValue()
			}
		}
	}
	slot := s.slot(now)
	for r := range cur {
		for c, v := range cur[r] {
			d := v - s.last[r][c]
			if d < 0 { // a counter that started again: all of it is new
				d = v
			}
			s.slots[slot][r][c] = uint32(min(float64(s.slots[slot][r][c])+d, math.MaxUint32))
		}
	}
	s.last = cur
}

// statusColumn is the column of an HTTP status, given a new one while
// there is room; s.mu is held.
func (s *Sampler) statusColumn(v string) int {
	code, err := strconv.Atoi(v)
	if err != nil {
		code = otherStatus
	}
	if i := slices.Index(s.statuses, code); i >= 0 {
		return fixedColumns + i
	}
	if len(s.statuses) >= maxStatuses-1 && code != otherStatus {
		code = otherStatus // the last column is kept for the rest
		if i := slices.Index(s.statuses, code); i >= 0 {
			return fixedColumns + i
		}
	}
	s.statuses = append(s.statuses, code)
	return fixedColumns + len(s.statuses) - 1
}

// slot is the ring's slot of the minute of t, emptied if it held an
// older one; s.mu is held.
func (s *Sampler) slot(t time.Time) int {
	start := t.Truncate(s.cfg.Every)
	i := int(start.UnixNano()/int64(s.cfg.Every)) % len(s.slots)
	if !s.starts[i].Equal(start) {
		s.starts[i] = start
		for _, row := range s.slots[i] {
			clear(row)
		}
	}
	return i
}

// Counts are what one registry's deliveries came to over a time.
// Received counts deliveries (webhook requests, whatever their answer):
// Accepted those answered 202, Ignored those answered 200 (nothing to
// store: uninteresting, or every event kept back by the registry's
// filters), Refused those answered 4xx and Failed those answered 5xx (the
// broker or the spool did not take them, or too many were in flight).
// Stored and Duplicate count events (a delivery may carry several): those
// the broker stored, and those it already held.
type Counts struct {
	Received, Accepted, Ignored, Refused, Failed int
	Stored, Duplicate                            int
	// Statuses are the deliveries by the HTTP status of their answer,
	// lowest status first (0: the statuses past the first 15 seen).
	Statuses []Status
}

// Status is a number of deliveries answered with one HTTP status.
type Status struct {
	Code, N int
}

// Registry is one registry's window.
type Registry struct {
	Name string
	// Total is the window's counts.
	Total Counts
	// Slots are the counts of each slot of the window, oldest first (the
	// last one is the slot now, still filling).
	Slots []Counts
}

// Window is the last Config.Span, per registry.
type Window struct {
	// From is the start of the oldest slot, Every its width; Since is
	// when the Sampler started (there are no counts before).
	From, Since time.Time
	Every       time.Duration
	Registries  []Registry
}

// Window returns the counts of the last Config.Span per registry, up to
// the last Sample. The "unknown" registry is included only when it
// counted something.
func (s *Sampler) Window() Window {
	now := s.cfg.Clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.slots)
	last := now.Truncate(s.cfg.Every)
	w := Window{From: last.Add(-time.Duration(n-1) * s.cfg.Every), Since: s.started, Every: s.cfg.Every}
	for r, name := range s.cfg.Registries {
		reg := Registry{Name: name, Slots: make([]Counts, n)}
		total := make([]int, len(s.slots[0][r]))
		for k := range n {
			start := w.From.Add(time.Duration(k) * s.cfg.Every)
			i := int(start.UnixNano()/int64(s.cfg.Every)) % n
			if !s.starts[i].Equal(start) {
				continue // nothing was sampled in that slot
			}
			reg.Slots[k] = s.counts(s.slots[i][r])
			for c, v := range s.slots[i][r] {
				total[c] += int(v)
			}
		}
		reg.Total = s.countsOf(total)
		if name == unknownSource && reg.Total.Received == 0 {
			continue
		}
		w.Registries = append(w.Registries, reg)
	}
	return w
}

func (s *Sampler) counts(row []uint32) Counts {
	ints := make([]int, len(row))
	for i, v := range row {
		ints[i] = int(v)
	}
	return s.countsOf(ints)
}

// countsOf reads a row's columns; s.mu is held.
func (s *Sampler) countsOf(row []int) Counts {
	c := Counts{Stored: row[colStored], Duplicate: row[colDuplicate]}
	for i, code := range s.statuses {
		v := row[fixedColumns+i]
		if v == 0 {
			continue
		}
		c.Received += v
		switch {
		case code == 202:
			c.Accepted += v
		case code >= 200 && code < 300:
			c.Ignored += v
		case code >= 400 && code < 500:
			c.Refused += v
		case code >= 500:
			c.Failed += v
		}
		c.Statuses = append(c.Statuses, Status{code, v})
	}
	slices.SortFunc(c.Statuses, func(a, b Status) int { return a.Code - b.Code })
	return c
}
