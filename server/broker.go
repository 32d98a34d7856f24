package server

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
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
	// Embedded says who may connect to the embedded NATS server.
	Embedded Embedded
	// Sync is when the embedded server's file store fsyncs: "always"
	// (each write, before its PubAck) or "interval" (JetStream's two
	// minutes).
	Sync   string
	Mode   sinks.Mode
	Stream natssink.StreamConfig
	Kafka  Kafka
}

// Embedded is who may connect to the embedded NATS server, and how: it
// always asks for credentials unless AllowAnonymous.
type Embedded struct {
	// User is hubwire's own user (empty: natssink.DefaultUser).
	User string
	// PasswordFile holds User's password (a mounted secret); empty: the
	// password generated on first start, kept in <data-dir>/nats-password.
	PasswordFile string
	// AllowAnonymous lets clients in without credentials.
	AllowAnonymous bool
	// ConfigFile is a nats-server configuration file whose users, nkeys
	// and accounts may connect too.
	ConfigFile string
	// TLSCert and TLSKey make the listener TLS-only (reloaded when the
	// files change).
	TLSCert, TLSKey string
}

// password is hubwire's password on the embedded server, where it is
// kept, and whether it was generated just now.
func (e Embedded) password(dataDir string) (pw, file string, created bool, err error) {
	if e.PasswordFile != "" {
		pw, err = natssink.ReadPassword(e.PasswordFile)
		if err != nil {
			return "", "", false, fmt.Errorf("--embedded-nats-password-file: %w", err)
		}
		return pw, e.PasswordFile, false, nil
	}
	pw, created, err = natssink.LoadOrCreatePassword(dataDir)
	return pw, filepath.Join(dataDir, natssink.PasswordFile), created, err
}

func (e Embedded) user() string { return cmp.Or(e.User, natssink.DefaultUser) }

func (e Embedded) check() error {
	switch {
	case (e.TLSCert == "") != (e.TLSKey == ""):
		return errors.New("--embedded-nats-tls-cert and --embedded-nats-tls-key go together")
	}
	if e.PasswordFile != "" {
		if _, err := natssink.ReadPassword(e.PasswordFile); err != nil {
			return fmt.Errorf("--embedded-nats-password-file: %w", err)
		}
	}
	if e.ConfigFile != "" {
		if _, err := natssink.OperatorUsers(e.ConfigFile, e.user(), e.AllowAnonymous); err != nil {
			return err
		}
	}
	if e.TLSCert != "" {
		if _, err := EmbeddedNATSTLS(e.TLSCert, e.TLSKey); err != nil {
			return err
		}
	}
	return nil
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
	// login says how a client logs in to the embedded server, without
	// the secret.
	login string
	// user and password are hubwire's on the embedded server.
	user, password string
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
		return b.openNATS(ctx, nc, nil, "NATS JetStream at "+redact.URLs(b.URL), redact.URLs(b.URL), log)
	}
	e := b.Embedded
	e.User = e.user()
	pw, pwFile, created, err := e.password(dataDir)
	if err != nil {
		return nil, err
	}
	var tlsConfig *tls.Config
	if e.TLSCert != "" {
		if tlsConfig, err = EmbeddedNATSTLS(e.TLSCert, e.TLSKey); err != nil {
			return nil, err
		}
	}
	srv, err := natssink.StartServer(natssink.ServerConfig{
		Addr:    b.NATSAddr,
		DataDir: dataDir,
		// The event holds the delivery plus its normalized facts, and
		// JSON escaping can grow it; leave room well above the body limit.
		MaxPayload:     int32(min(4*maxBody+64<<10, 64<<20)),
		SyncAlways:     b.Sync == "always",
		User:           e.User,
		Password:       pw,
		AllowAnonymous: e.AllowAnonymous,
		ConfigFile:     e.ConfigFile,
		TLS:            tlsConfig,
		Logger:         log,
	})
	if err != nil {
		return nil, err
	}
	nc, err := natssink.ConnectInProcess(srv, e.User, pw)
	if err != nil {
		srv.Shutdown()
		return nil, err
	}
	opened, err := b.openNATS(ctx, nc, srv, fmt.Sprintf("embedded NATS JetStream at %s (stored under %s)", srv.ClientURL(), dataDir), srv.ClientURL(), log)
	if err != nil {
		return nil, err
	}
	// The password itself is never printed: the command reads it from
	// its file when it runs.
	creds := fmt.Sprintf(` --user %s --password "$(cat %s)"`, e.User, pwFile)
	opened.user, opened.password = e.User, pw
	opened.login = fmt.Sprintf("user %s, password in %s", e.User, pwFile)
	if created {
		opened.login += " (generated now)"
	}
	if e.AllowAnonymous {
		creds = ""
		opened.login = "anonymous clients allowed (--nats-allow-anonymous); or " + opened.login
	}
	if e.ConfigFile != "" {
		opened.login += "; and the users of " + e.ConfigFile
	}
	opened.watch = fmt.Sprintf("nats --server %s%s sub '%s.>'", srv.ClientURL(), creds, natssink.DefaultSubjectPrefix)
	return opened, nil
}

func (b *Broker) openNATS(ctx context.Context, nc *natsgo.Conn, srv *natsserver.Server, where, serverURL string, log *slog.Logger) (*broker, error) {
	sink, err := natssink.New(ctx, nc, natssink.Config{Stream: b.Stream, Mode: b.Mode, Logger: log})
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

// late is the broker that was unreachable at the start (firstErr): a
// sink that connects in the background and runs ready once it did.
func (b *Broker) late(firstErr error, connect func(context.Context) (*broker, error), ready func(*broker), log *slog.Logger) *broker {
	dest := sinks.Receipt{Broker: "nats", Stream: b.Stream.Name}
	where := fmt.Sprintf("NATS JetStream at %s, stream %s, subjects %s.> (not reachable yet: deliveries are spooled until it is)", redact.URLs(b.URL), b.Stream.Name, natssink.DefaultSubjectPrefix)
	watch := fmt.Sprintf("nats --server %s sub '%s.>'", redact.URLs(b.URL), natssink.DefaultSubjectPrefix)
	if b.Kind == "kafka" {
		dest = sinks.Receipt{Broker: "kafka", Stream: b.Kafka.Topic}
		where = fmt.Sprintf("Kafka at %s, topic %s (key = repository; not reachable yet: deliveries are spooled until it is)", strings.Join(b.Kafka.Brokers, ","), b.Kafka.Topic)
		watch = fmt.Sprintf("kcat -C -b %s -t %s -f '%%k %%h\\n%%s\\n'", b.Kafka.Brokers[0], b.Kafka.Topic)
	}
	return &broker{sink: startLateSink(dest, firstErr, connect, ready, log.With("broker", b.brokerName())), where: where, watch: watch}
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
