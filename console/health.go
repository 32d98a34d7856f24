package console

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/internal/deliverystats"
)

// healthView is the health page.
type healthView struct {
	Broker Health
	// Stats is false when the console has no counters to read.
	Stats bool
	// Since is when this replica's counters started; From the start of
	// the window's oldest minute.
	Since, From time.Time
	Registries  []registryHealth
	// AcksPending counts the events of the last hour whose callback waits
	// for acks; CallbacksFailing those whose callback failed or was
	// refused (both from the delivery records, any replica's).
	AcksPending, CallbacksFailing int
}

// registryHealth is one registry's last hour, from the counters.
type registryHealth struct {
	Name string
	deliverystats.Counts
	// RefusedBy and FailedBy say the refused (4xx) and failed (5xx)
	// deliveries by status: "400 Bad Request: 2".
	RefusedBy, FailedBy []string
	// Bars are the deliveries a minute, oldest first, for the chart.
	Bars []bar
}

// bar is one minute of the chart: the deliveries received, stacked by
// answer from the bottom (accepted, ignored, refused, failed).
type bar struct {
	X     int
	Title string
	Parts []barPart
}

type barPart struct {
	Class string
	Y, H  int
}

// chartHeight is the chart's height in SVG units; each minute is 3 wide.
const chartHeight = 24

func (c *Console) health(w http.ResponseWriter, req *http.Request, v view) {
	v.Title = "Health"
	now := c.cfg.Clock()
	ctx, cancel := context.WithTimeout(req.Context(), 10*time.Second)
	defer cancel()
	h := &healthView{}
	if c.cfg.Health != nil {
		h.Broker = c.cfg.Health(ctx)
	}
	if s := c.cfg.Stats; s != nil {
		// Read the counters now, so that the minute still filling shows
		// what came in up to this request.
		s.Sample()
		win := s.Window()
		h.Stats, h.Since, h.From = true, win.Since, win.From
		for _, r := range win.Registries {
			h.Registries = append(h.Registries, newRegistryHealth(r, win))
		}
	}
	recs, err := c.cfg.History.List(ctx, reply.Query{Since: now.Add(-time.Hour)})
	if err != nil {
		v.Error = "Reading the records: " + err.Error()
	}
	for i := range recs {
		switch recs[i].Callback.Outcome {
		case reply.OutcomeFailed, reply.OutcomeRefused:
			h.CallbacksFailing++
		case reply.OutcomeWaiting:
			h.AcksPending++
		}
	}
	v.Health = h
	c.render(w, req, http.StatusOK, "health", v)
}

func newRegistryHealth(r deliverystats.Registry, win deliverystats.Window) registryHealth {
	rh := registryHealth{Name: r.Name, Counts: r.Total}
	for _, s := range r.Total.Statuses {
		text := fmt.Sprintf("%d %s: %d", s.Code, http.StatusText(s.Code), s.N)
		if s.Code == 0 {
			text = fmt.Sprintf("other statuses: %d", s.N)
		}
		switch {
		case s.Code >= 400 && s.Code < 500:
			rh.RefusedBy = append(rh.RefusedBy, text)
		case s.Code >= 500:
			rh.FailedBy = append(rh.FailedBy, text)
		}
	}
	most := 0
	for _, s := range r.Slots {
		most = max(most, s.Received)
	}
	for i, s := range r.Slots {
		b := bar{X: i * 3, Title: slotTitle(win.From.Add(time.Duration(i)*win.Every), s)}
		y := chartHeight
		for _, p := range []struct {
			class string
			n     int
		}{{"ok", s.Accepted}, {"none", s.Ignored}, {"wait", s.Refused}, {"bad", s.Failed}} {
			if p.n == 0 || most == 0 {
				continue
			}
			// Every part that counted something is at least 1 high.
			h := min(max(p.n*chartHeight/most, 1), y)
			y -= h
			b.Parts = append(b.Parts, barPart{Class: p.class, Y: y, H: h})
		}
		rh.Bars = append(rh.Bars, b)
	}
	return rh
}

// slotTitle says what one minute's bar holds, in words.
func slotTitle(at time.Time, s deliverystats.Counts) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s UTC: %d received", at.UTC().Format("15:04"), s.Received)
	if s.Received > 0 {
		fmt.Fprintf(&b, " (%d accepted, %d ignored, %d refused, %d failed)", s.Accepted, s.Ignored, s.Refused, s.Failed)
	}
	return b.String()
}
