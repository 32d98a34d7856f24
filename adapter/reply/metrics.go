package reply

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the reply subscriber's Prometheus metrics. A nil *Metrics
// counts nothing.
type Metrics struct {
	acks        *prometheus.CounterVec
	callbacks   *prometheus.CounterVec
	writeErrors *prometheus.CounterVec
}

// Record write operations, the values of the operation label of
// hubwire_record_write_errors_total.
const (
	OpReceipt  = "receipt"  // an event's receipt (or, on Kafka, its notice)
	OpAck      = "ack"      // an ack taken into the record
	OpTimeout  = "timeout"  // the decision of an ack timeout
	OpClaim    = "claim"    // a callback claimed (or refused) for posting
	OpLease    = "lease"    // the renewal of a claim while a callback is posted
	OpAttempt  = "attempt"  // a callback attempt
	OpOutcome  = "outcome"  // a callback's outcome
	OpHandBack = "handback" // a callback handed back on a stop or rebalance
)

// NewMetrics registers the reply subscriber's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		acks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubwire_acks_total",
			Help: "Acks applied, by result: taken, invalid (refused for what they hold), dead_lettered (not applied after every try; kept on the dead-letter subject or topic).",
		}, []string{"result"}),
		callbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubwire_callbacks_total",
			Help: "Callbacks finished, by outcome: sent, failed, refused (host not allowed).",
		}, []string{"outcome"}),
		writeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubwire_record_write_errors_total",
			Help: "Delivery record writes that failed, by operation: receipt, ack, timeout, claim, lease, attempt, outcome, handback.",
		}, []string{"operation"}),
	}
	reg.MustRegister(m.acks, m.callbacks, m.writeErrors)
	// Every operation is exported from the start, at 0, so that an alert
	// on the rate sees the first error.
	m.acks.WithLabelValues("dead_lettered")
	for _, op := range []string{OpReceipt, OpAck, OpTimeout, OpClaim, OpLease, OpAttempt, OpOutcome, OpHandBack} {
		m.writeErrors.WithLabelValues(op)
	}
	return m
}

// Ack counts an ack applied: result is taken, invalid or dead_lettered.
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

// RecordWriteError counts a delivery record write that failed; op is one
// of the Op constants.
func (m *Metrics) RecordWriteError(op string) {
	if m != nil {
		m.writeErrors.WithLabelValues(op).Inc()
	}
}
