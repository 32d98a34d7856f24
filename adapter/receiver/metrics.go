package receiver

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the receiver's Prometheus metrics. Labels are kept to small
// fixed sets (no repository, no token, no id), so that no sender can grow
// them.
type Metrics struct {
	requests *prometheus.CounterVec
	ignored  *prometheus.CounterVec
}

// NewMetrics registers the receiver's metrics with reg. The events it
// stores are counted by the store's.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubwire_webhook_requests_total",
			Help: "Webhook deliveries answered, by source, HTTP status and reason.",
		}, []string{"source", "status", "reason"}),
		ignored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubwire_events_ignored_total",
			Help: "Events a source's filters kept from the broker (answered 2xx, \"ignored\": true).",
		}, []string{"source"}),
	}
	reg.MustRegister(m.requests, m.ignored)
	return m
}

// reasons names each answer of the receiver for the requests metric.
var reasons = map[int]string{
	200: "nothing_to_publish",
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

func (m *Metrics) countIgnored(source string) {
	if m != nil {
		m.ignored.WithLabelValues(source).Inc()
	}
}
