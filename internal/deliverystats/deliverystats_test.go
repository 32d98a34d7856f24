package deliverystats

import (
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// counters are the receiver's and the store's counters, as they register
// them (names and labels).
type counters struct {
	requests, published, duplicates *prometheus.CounterVec
}

func newCounters(reg prometheus.Registerer) counters {
	c := counters{
		requests:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: requestsMetric}, []string{"source", "status", "reason"}),
		published:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: publishedMetric}, []string{"type", "broker", "source"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{Name: duplicatesMetric}, []string{"broker", "source"}),
	}
	reg.MustRegister(c.requests, c.published, c.duplicates)
	return c
}

func (c counters) answered(source string, status, n int) {
	c.requests.WithLabelValues(source, strconv.Itoa(status), "r").Add(float64(n))
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func find(t *testing.T, w Window, name string) Registry {
	t.Helper()
	for _, r := range w.Registries {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no row for %s in %+v", name, w.Registries)
	return Registry{}
}

// The window holds the last hour: what was counted an hour and more ago
// rolls out of it, minute by minute.
func TestWindowRolls(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := newCounters(reg)
	clk := &clock{time.Date(2026, 12, 2, 12, 0, 30, 0, time.UTC)}
	s := New(Config{Gatherer: reg, Registries: []string{"dtr", "quay"}, Clock: clk.now})

	// 12:00: dtr stores 3 events (one delivery of them a duplicate) and
	// refuses one; quay's two deliveries have nothing to store, a third
	// fails; a path of no registry is refused.
	c.answered("dtr", 202, 4)
	c.published.WithLabelValues("com.docker.dtr.tag.push", "nats", "dtr").Add(3)
	c.duplicates.WithLabelValues("nats", "dtr").Inc()
	c.answered("dtr", 400, 1)
	c.answered("quay", 200, 2)
	c.answered("quay", 503, 1)
	c.answered("unknown", 404, 1)
	c.answered("not-served", 202, 9) // no row: not counted
	s.Sample()
	w := s.Window()
	dtr := find(t, w, "dtr")
	want := Counts{Received: 5, Accepted: 4, Refused: 1, Stored: 3, Duplicate: 1, Statuses: []Status{{202, 4}, {400, 1}}}
	if !equal(dtr.Total, want) {
		t.Errorf("dtr at 12:00: %+v, want %+v", dtr.Total, want)
	}
	if len(dtr.Slots) != 60 || !equal(dtr.Slots[59], want) || dtr.Slots[58].Received != 0 {
		t.Errorf("dtr's slots: %d, the last %+v", len(dtr.Slots), dtr.Slots[59])
	}
	if q := find(t, w, "quay").Total; q.Received != 3 || q.Ignored != 2 || q.Failed != 1 || q.Stored != 0 {
		t.Errorf("quay at 12:00: %+v", q)
	}
	if u := find(t, w, "unknown").Total; u.Refused != 1 {
		t.Errorf("unknown at 12:00: %+v", u)
	}
	if len(w.Registries) != 3 {
		t.Errorf("rows: %+v", w.Registries)
	}

	// 12:30: two more; both minutes are in the window.
	clk.t = clk.t.Add(30 * time.Minute)
	c.answered("dtr", 202, 2)
	c.published.WithLabelValues("com.docker.dtr.tag.push", "nats", "dtr").Add(2)
	s.Sample()
	if d := find(t, s.Window(), "dtr"); d.Total.Accepted != 6 || d.Total.Stored != 5 || d.Slots[59].Accepted != 2 || d.Slots[29].Accepted != 4 {
		t.Errorf("dtr at 12:30: %+v", d.Total)
	}

	// 13:00:30: the window is the 60 minutes up to now, 12:01 to 13:00;
	// 12:00 has rolled out.
	clk.t = clk.t.Add(30 * time.Minute)
	s.Sample()
	w = s.Window()
	if d := find(t, w, "dtr"); d.Total.Accepted != 2 || d.Total.Refused != 0 || d.Total.Duplicate != 0 || d.Slots[29].Accepted != 2 {
		t.Errorf("dtr at 13:00: %+v", d.Total)
	}
	if want := time.Date(2026, 12, 2, 12, 1, 0, 0, time.UTC); !w.From.Equal(want) {
		t.Errorf("the window starts at %v, want %v", w.From, want)
	}
	if _, ok := findOK(w, "unknown"); ok {
		t.Error("the unknown row is shown with nothing counted in the window")
	}

	// 14:00: nothing in the last hour. A window read later than the last
	// sample holds nothing newer either.
	clk.t = clk.t.Add(time.Hour)
	if d := find(t, s.Window(), "dtr"); d.Total.Received != 0 || d.Total.Stored != 0 {
		t.Errorf("dtr at 14:00: %+v", d.Total)
	}
	s.Sample()
	if d := find(t, s.Window(), "dtr"); d.Total.Received != 0 {
		t.Errorf("dtr at 14:00, sampled: %+v", d.Total)
	}
}

// However many statuses the counters hold, the Sampler keeps a fixed number
// of columns: the statuses past them are counted together.
func TestStatusesBounded(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := newCounters(reg)
	clk := &clock{time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)}
	s := New(Config{Gatherer: reg, Registries: []string{"dtr"}, Clock: clk.now})
	for code := 400; code < 430; code++ {
		c.answered("dtr", code, 1)
	}
	s.Sample()
	s.Sample()
	d := find(t, s.Window(), "dtr")
	if d.Total.Received != 30 || d.Total.Refused != 15 || len(d.Total.Statuses) != maxStatuses {
		t.Errorf("30 statuses: %+v", d.Total)
	}
	if other := d.Total.Statuses[0]; other.Code != otherStatus || other.N != 15 {
		t.Errorf("the other statuses: %+v", other)
	}
	if len(s.statuses) != maxStatuses {
		t.Errorf("%d columns", len(s.statuses))
	}
}

func findOK(w Window, name string) (Registry, bool) {
	for _, r := range w.Registries {
		if r.Name == name {
			return r, true
		}
	}
	return Registry{}, false
}

func equal(a, b Counts) bool {
	if len(a.Statuses) != len(b.Statuses) {
		return false
	}
	for i := range a.Statuses {
		if a.Statuses[i] != b.Statuses[i] {
			return false
		}
	}
	a.Statuses, b.Statuses = nil, nil
	return a.Received == b.Received && a.Accepted == b.Accepted && a.Ignored == b.Ignored && a.Refused == b.Refused &&
		a.Failed == b.Failed && a.Stored == b.Stored && a.Duplicate == b.Duplicate
}
