package store

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hubwire/hubwire/sinks"
)

// Metrics are the store's Prometheus metrics, labelled by small fixed sets
// (no repository, no id), so that no sender can grow them.
type Metrics struct {
	published      *prometheus.CounterVec
	duplicates     *prometheus.CounterVec
	publishSeconds *prometheus.HistogramVec
	// children are the counters and histograms already resolved, by
	// their labels, in a map replaced (not changed) when one is added:
	// counting an event is then a lock-free map read and an atomic add,
	// not WithLabelValues' hashing and locking (BenchmarkMetricsStored).
	// The labels are few (types × brokers × sources), so it stays small.
	children atomic.Pointer[map[childKey]children]
	adding   sync.Mutex
}

// childKey are the labels of one event's counters.
type childKey struct {
	eventType, broker, source string
	duplicate                 bool
}

// children are one childKey's counter (published or duplicates) and the
// broker's publish histogram.
type children struct {
	counter prometheus.Counter
	seconds prometheus.Observer
}

// NewMetrics registers the store's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubwire_events_published_total",
			Help: "Events stored by the broker, by CloudEvent type, broker and source (the registry).",
		}, []string{"type", "broker", "source"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubwire_events_duplicate_total",
			Help: "Deliveries of an event the broker already held (stored once), by broker and source (the registry).",
		}, []string{"broker", "source"}),
		publishSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hubwire_publish_duration_seconds",
			Help:    "Time from a delivery's decoded event to the broker's acknowledgement.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"broker"}),
	}
	reg.MustRegister(m.published, m.duplicates, m.publishSeconds)
	m.children.Store(&map[childKey]children{})
	return m
}

// stored counts an event of source (the registry) that the broker
// acknowledged, took after the publish began.
func (m *Metrics) stored(source, eventType string, r sinks.Receipt, took time.Duration) {
	if m == nil {
		return
	}
	c := m.of(source, eventType, r)
	c.seconds.Observe(took.Seconds())
	c.counter.Inc()
}

// forwarded counts an event the spool forwarded to the broker. Its time
// in the spool is not the broker's, so the histogram is left alone.
func (m *Metrics) forwarded(source, eventType string, r sinks.Receipt) {
	if m == nil {
		return
	}
	m.of(source, eventType, r).counter.Inc()
}

// of is the counter and histogram of an event of source and
// eventType that the broker answered with r.
func (m *Metrics) of(source, eventType string, r sinks.Receipt) children {
	k := childKey{eventType: eventType, broker: r.Broker, source: source, duplicate: r.Duplicate}
	if r.Duplicate {
		k.eventType = "" // duplicates are not counted by type
	}
	c, ok := (*m.children.Load())[k]
	if !ok {
		c = m.add(k)
	}
	return c
}

// add resolves the children of k and keeps them.
func (m *Metrics) add(k childKey) children {
	m.adding.Lock()
	defer m.adding.Unlock()
	old := *m.children.Load()
	if c, ok := old[k]; ok {
		return c
	}
	c := children{seconds: m.publishSeconds.WithLabelValues(k.broker)}
	if k.duplicate {
		c.counter = m.duplicates.WithLabelValues(k.broker, k.source)
	} else {
		c.counter = m.published.WithLabelValues(k.eventType, k.broker, k.source)
	}
	next := make(map[childKey]children, len(old)+1)
	for key, v := range old {
		next[key] = v
	}
	next[k] = c
	m.children.Store(&next)
	return c
}
