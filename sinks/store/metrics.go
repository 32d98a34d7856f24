package store

import (
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
	return m
}

// stored counts an event of source (the registry) that the broker
// acknowledged, took after the publish began.
func (m *Metrics) stored(source, eventType string, r sinks.Receipt, took time.Duration) {
	if m == nil {
		return
	}
	m.publishSeconds.WithLabelValues(r.Broker).Observe(took.Seconds())
	if r.Duplicate {
		m.duplicates.WithLabelValues(r.Broker, source).Inc()
	} else {
		m.published.WithLabelValues(eventType, r.Broker, source).Inc()
	}
}
