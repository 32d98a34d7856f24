package reply

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the reply subscriber's Prometheus metrics. A nil *Metrics
// counts nothing.
type Metrics struct {
	acks      *prometheus.CounterVec
	callbacks *prometheus.CounterVec
}

// NewMetrics registers the reply subscriber's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		acks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubwire_acks_total",
			Help: "Acks applied, by result: taken, invalid (refused for what they hold).",
		}, []string{"result"}),
		callbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubwire_callbacks_total",
			Help: "Callbacks finished, by outcome: sent, failed, refused (host not allowed).",
		}, []string{"outcome"}),
	}
	reg.MustRegister(m.acks, m.callbacks)
	return m
}

// Ack counts an ack applied: result is taken or invalid.
func (m *Metrics) Ack(result string) {
	if m != nil {
		m.acks.WithLabelValues(result).Inc()
	}
}

// Callback counts a finished callback by its outcome.
func (m *Metrics) Callback(outcome string) {
	if m != nil {
		m.callbacks.WithLabelValues(outcome).Inc()
	}
}
