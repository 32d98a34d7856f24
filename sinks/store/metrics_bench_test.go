package store

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hubwire/hubwire/sinks"
)

// BenchmarkMetricsStored is what counting one stored event costs on the
// request path.
func BenchmarkMetricsStored(b *testing.B) {
	m := NewMetrics(prometheus.NewRegistry())
	r := sinks.Receipt{Broker: "nats"}
	b.ReportAllocs()
	for b.Loop() {
		m.stored("dtr", "com.docker.dtr.tag.push", r, time.Millisecond)
	}
}

// BenchmarkMetricsStoredWithLabelValues is the same count with
// WithLabelValues at every event, as before the children were kept.
func BenchmarkMetricsStoredWithLabelValues(b *testing.B) {
	m := NewMetrics(prometheus.NewRegistry())
	b.ReportAllocs()
	for b.Loop() {
		m.publishSeconds.WithLabelValues("nats").Observe(0.001)
		m.published.WithLabelValues("com.docker.dtr.tag.push", "nats", "dtr").Inc()
	}
}
