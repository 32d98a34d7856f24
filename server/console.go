package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/console"
	"github.com/hubwire/hubwire/internal/deliverystats"
)

// console makes the delivery console over the reply subscriber's
// history, its health page counting from reg; nil (no console) when acks
// and callbacks are off.
func (s *Server) console(reg prometheus.Gatherer) (*console.Console, error) {
	h, ok := s.reply.(reply.History)
	if s.reply == nil || !ok {
		return nil, nil
	}
	r, _ := s.reply.(reply.Redeliverer)
	a, _ := s.reply.(reply.Auditor)
	// A replay to a URL is held to the callbacks' rules: the same
	// allowlist, and the same checks of the address dialled.
	rp := consoleReplayer{s: s, poster: &reply.Poster{AllowedHosts: s.opts.Reply.AllowHosts, AllowInsecure: s.opts.Reply.AllowInsecure}}
	return console.New(console.Config{
		Token:       s.token,
		History:     h,
		Redeliverer: r,
		Replayer:    rp,
		Auditor:     a,
		Registries:  s.opts.Registries.Names(),
		PublicURL:   s.publicURL,
		Health:      s.health,
		Stats:       deliverystats.New(deliverystats.Config{Gatherer: reg, Registries: s.opts.Registries.Names()}),
		Logger:      s.log.With("component", "console"),
	})
}

// health is the store's readiness, for the console's health page.
func (s *Server) health(ctx context.Context) console.Health {
	r := s.store.Ready(ctx, s.opts.MaxBodyBytes)
	h := console.Health{Status: r.Status, Error: r.Error}
	if sp := r.Spool; sp != nil {
		h.Spool = fmt.Sprintf("%d events waiting, %d of %d bytes used", sp.Events, sp.Bytes, sp.MaxBytes)
	}
	return h
}

// consoleHandler is c as the receiver's Console: a nil *Console would be
// a non-nil handler.
func consoleHandler(c *console.Console) http.Handler {
	if c == nil {
		return nil
	}
	return c
}
