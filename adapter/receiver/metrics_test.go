package receiver

import (
	"fmt"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// The counters resolved for each registry count as WithLabelValues did:
// an answer appears in /metrics once given (none at 0 before), a status
// of no reason as "other", a source of no registry all the same.
func TestMetricsResolved(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	m.resolve([]string{"dtr", "unknown"})
	if got := requestSeries(t, reg); len(got) != 0 {
		t.Errorf("before any delivery: %v", got)
	}
	m.request("dtr", 202)
	m.request("dtr", 202)
	m.request("dtr", 418)
	m.request("unknown", 404)
	m.request("quay", 202) // not resolved
	want := []string{
		"quay 202 accepted = 1",
		"dtr 202 accepted = 2",
		"dtr 418 other = 1",
		"unknown 404 not_found = 1",
	}
	got := requestSeries(t, reg)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("series:\n%v\nwant\n%v", got, want)
	}
}

// requestSeries are the requests metric's series as "source status reason
// = value", sorted.
func requestSeries(t *testing.T, reg *prometheus.Registry) []string {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range families {
		if f.GetName() != "hubwire_webhook_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			out = append(out, fmt.Sprintf("%s %s %s = %g", l["source"], l["status"], l["reason"], m.GetCounter().GetValue()))
		}
	}
	slices.Sort(out)
	return out
}
