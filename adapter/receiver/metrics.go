package receiver

import (
	"strconv"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the receiver's Prometheus metrics. Labels are kept to small
// fixed sets (no repository, no token, no id), so that no sender can grow
// them.
type Metrics struct {
	requests *prometheus.CounterVec
	ignored  *prometheus.CounterVec
	// bySource holds each registry's counters, so that counting a
	// delivery is a map read and an atomic add, not WithLabelValues'
	// hashing and locking (BenchmarkMetricsRequest). It is made by
	// resolve, before the receiver serves, and only read after.
	bySource map[string]*sourceCounters
}

// sourceCounters are one source's children of the requests metric, one
// per answer. A child is resolved at its first use (resolving one exports
// it, at 0), so that /metrics lists only the answers given, as before.
type sourceCounters struct {
	answers [len(statuses)]atomic.Pointer[prometheus.Counter]
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

// statuses are the receiver's answers, each with its reason for the
// requests metric; any other status is counted as "other".
var statuses = [...]struct {
	code   int
	reason string
}{
	{200, "nothing_to_publish"},
	{202, "accepted"},
	{400, "bad_request"},
	{401, "bad_signature"},
	{404, "not_found"},
	{405, "method_not_allowed"},
	{413, "too_large"},
	{415, "unsupported_media_type"},
	{429, "rate_limited"},
	{503, "unavailable"},
}

// statusIndex is the index of a status in statuses, or -1.
func statusIndex(code int) int {
	for i, s := range statuses {
		if s.code == code {
			return i
		}
	}
	return -1
}

// resolve makes the counters of sources (the registries, and "unknown"
// for the paths of none). It is called once, before the receiver serves.
func (m *Metrics) resolve(sources []string) {
	if m == nil {
		return
	}
	m.bySource = make(map[string]*sourceCounters, len(sources))
	for _, s := range sources {
		m.bySource[s] = &sourceCounters{}
	}
}

func (m *Metrics) request(source string, status int) {
	if m == nil {
		return
	}
	i := statusIndex(status)
	sc := m.bySource[source]
	if sc == nil || i < 0 {
		reason := "other"
		if i >= 0 {
			reason = statuses[i].reason
		}
		m.requests.WithLabelValues(source, strconv.Itoa(status), reason).Inc()
		return
	}
	c := sc.answers[i].Load()
	if c == nil {
		// Two first uses at once resolve the same child: either store
		// is right.
		child := m.requests.WithLabelValues(source, strconv.Itoa(status), statuses[i].reason)
		c = &child
		sc.answers[i].Store(c)
	}
	(*c).Inc()
}

func (m *Metrics) countIgnored(source string) {
	if m != nil {
		m.ignored.WithLabelValues(source).Inc()
	}
}
