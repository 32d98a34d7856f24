package receiver

import (
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkMetricsRequest is what counting one delivery's answer costs on
// the request path: with the registry's counters resolved once, and with
// WithLabelValues at every delivery (as before they were).
func BenchmarkMetricsRequest(b *testing.B) {
	m := NewMetrics(prometheus.NewRegistry())
	m.resolve([]string{"dockerhub", "dtr", "unknown"})
	b.Run("resolved", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.request("dockerhub", 202)
		}
	})
	b.Run("WithLabelValues", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.requests.WithLabelValues("dockerhub", strconv.Itoa(202), "accepted").Inc()
		}
	})
}
