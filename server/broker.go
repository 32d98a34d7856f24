package server

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	natsserver "github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"

	"github.com/hubwire/hubwire/internal/redact"
	"github.com/hubwire/hubwire/sinks"
	kafkasink "github.com/hubwire/hubwire/sinks/kafka"
	natssink "github.com/hubwire/hubwire/sinks/nats"
)

// Broker says where events go: the embedded NATS server, an external NATS
// (cluster), or Kafka.
type Broker struct {
	// Kind is "embedded", "nats" or "kafka".
	Kind string
	// URL names the external NATS servers (comma-separated URLs).
	URL string
	// NATSOptions authenticate to an external NATS.
	NATSOptions []natsgo.Option
	// NATSAddr is where the embedded NATS server listens for consumers.
	NATSAddr string
	// Sync is when the embedded server's file store fsyncs: "always"
	// (each write, before its PubAck) or "interval" (JetStream's two
	// minutes).
	Sync   string
	Mode   sinks.Mode
	Stream natssink.StreamConfig
	Kafka  Kafka
}

// Kafka is where events go on Kafka.
type Kafka struct {
	Brokers                           []string
	Topic, AcksTopic, DeliveriesTopic string
	// CreateTopics creates missing topics with Partitions and
	// ReplicationFactor.
	CreateTopics                  bool
	Partitions, ReplicationFactor int
	Auth                          kafkasink.Auth
}

// broker is a connected sink, and the embedded server behind it if
// hubwire runs one.
type broker struct {
	sink     sinks.Sink
	embedded *natsserver.Server
	// where tells the user where events are and how to watch them.
	where, watch string
}

// open starts or connects to the broker.
func (b *Broker) open(ctx context.Context, dataDir string, maxBody int64, log *slog.Logger) (*broker, error) {
	switch b.Kind {
	case "kafka":
		return b.openKafka(ctx, log)
	case "nats":
		// While disconnected, a publish fails at once instead of waiting
		// in the client's buffer: the delivery is then spooled (or
		// answered 503) without waiting out its deadline.
		nc, err := natssink.Connect(b.URL, append(b.NATSOptions, natsgo.ReconnectBufSize(-1), connectionLog(log, redact.URLs(b.URL)))...)
		if err != nil {
			return nil, err
		}
		return b.openNATS(ctx, nc, nil, "NATS JetStream at "+redact.URLs(b.URL), redact.URLs(b.URL))
	}
	srv, err := natssink.StartServer(natssink.ServerConfig{
		Addr:    b.NATSAddr,
		DataDir: dataDir,
		// The event holds the delivery plus its normalized facts, and
		// JSON escaping can grow it; leave room well above the body limit.
		MaxPayload: int32(min(4*maxBody+64<<10, 64<<20)),
		SyncAlways: b.Sync == "always",
		Logger:     log,
	})
	if err != nil {
		return nil, err
	}
	nc, err := natssink.ConnectInProcess(srv)
	if err != nil {
		srv.Shutdown()
		return nil, err
	}
	return b.openNATS(ctx, nc, srv, fmt.Sprintf("embedded NATS JetStream at %s (stored under %s)", srv.ClientURL(), dataDir), srv.ClientURL())
}

func (b *Broker) openNATS(ctx context.Context, nc *natsgo.Conn, srv *natsserver.Server, where, serverURL string) (*broker, error) {
	sink, err := natssink.New(ctx, nc, natssink.Config{Stream: b.Stream, Mode: b.Mode})
	if err != nil {
		nc.Close()
		if srv != nil {
			srv.Shutdown()
			srv.WaitForShutdown()
		}
		return nil, err
	}
	return &broker{
		sink:     sink,
		embedded: srv,
		where:    fmt.Sprintf("%s, stream %s, subjects %s.>", where, b.Stream.Name, natssink.DefaultSubjectPrefix),
		watch:    fmt.Sprintf("nats --server %s sub '%s.>'", serverURL, natssink.DefaultSubjectPrefix),
	}, nil
}

func (b *Broker) openKafka(ctx context.Context, log *slog.Logger) (*broker, error) {
	k := b.Kafka
	transport, err := k.Auth.Transport()
	if err != nil {
		return nil, err
	}
	sink, err := kafkasink.New(ctx, kafkasink.Config{
		Brokers:           k.Brokers,
		Topic:             k.Topic,
		AcksTopic:         k.AcksTopic,
		DeliveriesTopic:   k.DeliveriesTopic,
		Mode:              b.Mode,
		CreateTopics:      k.CreateTopics,
		Partitions:        k.Partitions,
		ReplicationFactor: k.ReplicationFactor,
		Transport:         transport,
		Logger:            log,
	})
	if err != nil {
		return nil, err
	}
	return &broker{
		sink:  sink,
		where: fmt.Sprintf("Kafka at %s, topic %s (key = repository)", strings.Join(k.Brokers, ","), k.Topic),
		watch: fmt.Sprintf("kcat -C -b %s -t %s -f '%%k %%h\\n%%s\\n'", k.Brokers[0], k.Topic),
	}, nil
}

// natsConn is the NATS connection behind the sink, nil on Kafka.
func (b *broker) natsConn() *natsgo.Conn {
	if s, ok := b.sink.(*natssink.Sink); ok {
		return s.Conn()
	}
	return nil
}

// connectionLog logs when the connection to an external NATS (servers,
// its URLs without passwords) drops and when it is back, the two lines an
// operator looks for in an outage.
func connectionLog(log *slog.Logger, servers string) natsgo.Option {
	return func(o *natsgo.Options) error {
		o.DisconnectedErrCB = func(nc *natsgo.Conn, err error) {
			if nc.IsClosed() {
				return // hubwire is stopping: no outage
			}
			log.Warn("NATS connection lost; reconnecting (deliveries are spooled or answered 503 meanwhile)", "servers", servers, "error", err)
		}
		o.ReconnectedCB = func(nc *natsgo.Conn) {
			log.Info("NATS connection back", "server", nc.ConnectedUrlRedacted())
		}
		return nil
	}
}
