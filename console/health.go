package console

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/hubwire/hubwire/adapter/reply"
)

// healthView is the health page: per registry, the last hour.
type healthView struct {
	Broker     Health
	Registries []registryHealth
	// AcksPending counts the events whose callback waits for acks;
	// CallbacksFailing those whose callback failed or was refused.
	AcksPending, CallbacksFailing int
}

type registryHealth struct {
	Name                       string
	Stored, Duplicates, Failed int
	// Bars is the stored events a minute, oldest first, as heights of 0
	// to 20 for the chart.
	Bars []bar
}

type bar struct {
	X, H, N int
}

func (c *Console) health(w http.ResponseWriter, req *http.Request, v view) {
	v.Title = "Health"
	now := c.cfg.Clock()
	ctx, cancel := context.WithTimeout(req.Context(), 10*time.Second)
	defer cancel()
	h := &healthView{}
	if c.cfg.Health != nil {
		h.Broker = c.cfg.Health(ctx)
	}
	recs, err := c.cfg.History.List(ctx, reply.Query{Since: now.Add(-time.Hour)})
	if err != nil {
		v.Error = "Reading the records: " + err.Error()
	}
	per := map[string]*registryHealth{}
	counts := map[string][]int{}
	for _, name := range c.cfg.Registries {
		per[name] = &registryHealth{Name: name}
		counts[name] = make([]int, 60)
	}
	for i := range recs {
		r := &recs[i]
		rh, ok := per[r.Source]
		if !ok {
			continue
		}
		rh.Stored++
		rh.Duplicates += r.Duplicates
		switch r.Callback.Outcome {
		case reply.OutcomeFailed, reply.OutcomeRefused:
			rh.Failed++
			h.CallbacksFailing++
		case reply.OutcomeWaiting:
			h.AcksPending++
		}
		if m := 59 - int(now.Sub(r.Time())/time.Minute); m >= 0 && m < 60 {
			counts[r.Source][m]++
		}
	}
	for _, name := range c.cfg.Registries {
		rh := per[name]
		most := slices.Max(counts[name])
		for i, n := range counts[name] {
			hgt := 0
			if most > 0 {
				hgt = max(n*20/most, min(n, 1))
			}
			rh.Bars = append(rh.Bars, bar{X: i * 2, H: hgt, N: n})
		}
		h.Registries = append(h.Registries, *rh)
	}
	v.Health = h
	c.render(w, req, http.StatusOK, "health", v)
}
