package adapter

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the receiver's Prometheus metrics. Labels are kept to small
// fixed sets (no repository, no token, no id), so that no sender can grow
// them.
type Metrics struct {
	requests       *prometheus.CounterVec
	published      *prometheus.CounterVec
	duplicates     *prometheus.CounterVec
	publishSeconds *prometheus.HistogramVec
}

// NewMetrics registers the receiver's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubwire_webhook_requests_total",
			Help: "Webhook deliveries answered, by source, HTTP status and reason.",
		}, []string{"source", "status", "reason"}),
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubwire_events_published_total",
			Help: "Events stored by the broker, by CloudEvent type and broker.",
		}, []string{"type", "broker"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubwire_events_duplicate_total",
			Help: "Deliveries of an event the broker already held (stored once).",
		}, []string{"broker"}),
		publishSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hubwire_publish_duration_seconds",
			Help:    "Time from a delivery's decoded event to the broker's acknowledgement.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"broker"}),
	}
	reg.MustRegister(m.requests, m.published, m.duplicates, m.publishSeconds)
	return m
}

// reasons names each answer of the receiver for the requests metric.
var reasons = map[int]string{
	202: "accepted",
	400: "bad_request",
	401: "bad_signature",
	404: "not_found",
	405: "method_not_allowed",
	413: "too_large",
	415: "unsupported_media_type",
	429: "rate_limited",
	503: "unavailable",
}

func (m *Metrics) request(source string, status int) {
	if m == nil {
		return
	}
	reason, ok := reasons[status]
	if !ok {
		reason = "other"
	}
	m.requests.WithLabelValues(source, strconv.Itoa(status), reason).Inc()
}
