package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/adapter/reply/kafkareply"
	"github.com/hubwire/hubwire/adapter/reply/natsreply"
	"github.com/hubwire/hubwire/sinks/store"
)

// Reply is what hubwire serve is told about acks and callbacks.
type Reply struct {
	// Required lists, per registry, the consumers whose acks a callback
	// waits for; a registry not listed takes the first ack.
	Required        map[string][]string
	AckTimeout      time.Duration
	AllowHosts      []string
	AllowInsecure   bool
	Attempts        int
	CallbackTimeout time.Duration
}

// replier is the reply subscriber on either broker: it records the
// events the store takes, serves /api/ and stops.
type replier interface {
	store.Recorder
	http.Handler
	Stop()
}

// startReply starts the reply subscriber on the broker's connection (NATS)
// or its topics (Kafka). On Kafka, missing topics turn acks and callbacks
// off with a warning rather than stop hubwire: events still flow.
func (s *Server) startReply(ctx context.Context, b *broker, reg prometheus.Registerer) (replier, error) {
	o := s.opts
	poster := &reply.Poster{
		AllowedHosts: o.Reply.AllowHosts, AllowInsecure: o.Reply.AllowInsecure,
		Timeout: o.Reply.CallbackTimeout, MaxAttempts: o.Reply.Attempts,
		BaseDelay: time.Second, MaxDelay: 5 * time.Minute,
	}
	m := reply.NewMetrics(reg)
	log := s.log.With("component", "reply")
	if nc := b.natsConn(); nc != nil {
		sub, err := natsreply.Start(ctx, natsreply.Config{
			Conn:       nc,
			Events:     o.Broker.Stream.Name,
			Poster:     poster,
			Required:   o.Reply.Required,
			AckTimeout: o.Reply.AckTimeout,
			Retention:  o.Broker.Stream.MaxAge,
			Replicas:   o.Broker.Stream.Replicas,
			Metrics:    m,
			Logger:     log,
		})
		if err != nil {
			return nil, fmt.Errorf("reply subscriber: %w", err)
		}
		return sub, nil
	}
	sub, err := s.startKafkaReply(ctx, poster, m, log)
	if err != nil {
		// Events still flow; only callbacks need the extra topics.
		s.log.Warn("acks and callbacks are off", "reason", err)
		return nil, nil
	}
	return sub, nil
}

func (s *Server) startKafkaReply(ctx context.Context, poster *reply.Poster, m *reply.Metrics, log *slog.Logger) (*kafkareply.Subscriber, error) {
	o := s.opts
	k := o.Broker.Kafka
	dialer, err := k.Auth.Dialer()
	if err != nil {
		return nil, err
	}
	transport, err := k.Auth.Transport()
	if err != nil {
		return nil, err
	}
	// The history reads the events topic, whose records do not name
	// their registry: each type is one registry's.
	registries := map[string]string{}
	for _, r := range o.Registries {
		for _, t := range r.Types {
			registries[t.Type] = r.Name
		}
	}
	return kafkareply.Start(ctx, kafkareply.Config{
		Brokers: k.Brokers, Dialer: dialer, Transport: transport,
		Events: k.Topic, Registries: registries,
		AcksTopic: k.AcksTopic, DeliveriesTopic: k.DeliveriesTopic, GroupID: "hubwire-reply",
		Poster: poster, Required: o.Reply.Required, AckTimeout: o.Reply.AckTimeout,
		Retention: o.Broker.Stream.MaxAge, Metrics: m, Logger: log,
	})
}
