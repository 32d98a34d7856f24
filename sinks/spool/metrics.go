package spool

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Register adds the spool's metrics to reg: its depth, read from the store
// at each scrape, and what went in and out since hubwire started.
func (s *Spool) Register(reg prometheus.Registerer) {
	status := func() Status {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		st, _ := s.Status(ctx)
		return st
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hubwire_spool_events",
			Help: "Events held in the local spool, waiting for the broker.",
		}, func() float64 { return float64(status().Events) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hubwire_spool_bytes",
			Help: "Bytes held in the local spool.",
		}, func() float64 { return float64(status().Bytes) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hubwire_spool_max_bytes",
			Help: "Size of the local spool (--spool-max-bytes); deliveries are answered 503 when it is full.",
		}, func() float64 { return float64(s.cfg.MaxBytes) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "hubwire_spool_events_spooled_total",
			Help: "Events the broker could not take in time, kept in the spool.",
		}, func() float64 { return float64(s.spooled.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "hubwire_spool_events_forwarded_total",
			Help: "Spooled events forwarded to the broker.",
		}, func() float64 { return float64(s.forwarded.Load()) }),
	)
}
