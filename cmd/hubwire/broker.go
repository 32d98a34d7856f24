package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/hubwire/hubwire/internal/cli"
	"github.com/hubwire/hubwire/server"
	"github.com/hubwire/hubwire/sinks"
	kafkasink "github.com/hubwire/hubwire/sinks/kafka"
	natssink "github.com/hubwire/hubwire/sinks/nats"
)

// brokerConfig is everything the flags say about where events go.
type brokerConfig struct {
	url      string // --broker; empty for the embedded NATS server
	kind     string // "embedded", "nats" or "kafka", from url
	natsAddr string
	sync     string
	mode     sinks.Mode

	stream   natssink.StreamConfig
	natsAuth natsAuth
	embedded server.Embedded

	kafka struct {
		topic, acksTopic, deliveriesTopic string
		create                            bool
		partitions, replication           int
		auth                              kafkaAuth
	}
}

// kafkaAuth is how hubwire authenticates to Kafka; serve and the client
// commands share it.
type kafkaAuth struct {
	tls                  bool
	tlsFiles             sinks.TLSFiles
	sasl, user, password string
}

func (a *kafkaAuth) register(f *cli.Flags) {
	f.BoolVar(&a.tls, "kafka-tls", false, "connect to Kafka over TLS")
	f.StringVar(&a.tlsFiles.CA, "kafka-tls-ca", "", "PEM `file` of the CA that signed the brokers' certificates\n(turns TLS on)")
	f.StringVar(&a.tlsFiles.Cert, "kafka-tls-cert", "", "PEM client certificate `file` for Kafka (with --kafka-tls-key)")
	f.StringVar(&a.tlsFiles.Key, "kafka-tls-key", "", "PEM client key `file` for Kafka")
	f.StringVar(&a.sasl, "kafka-sasl", "", "SASL `mechanism`: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
	f.StringVar(&a.user, "kafka-user", "", "SASL `user` name")
	f.StringVar(&a.password, "kafka-password", "", "SASL `password`")
}

// auth loads the TLS files, if any, into a kafkasink.Auth.
func (a *kafkaAuth) auth() (kafkasink.Auth, error) {
	auth := kafkasink.Auth{SASLMechanism: a.sasl, User: a.user, Password: a.password}
	if a.tls || a.tlsFiles != (sinks.TLSFiles{}) {
		cfg, err := a.tlsFiles.Config()
		if err != nil {
			return auth, fmt.Errorf("--kafka-tls-*: %w", err)
		}
		auth.TLS = cfg
	}
	return auth, nil
}

func (b *brokerConfig) register(f *cli.Flags) {
	f.StringVar(&b.url, "broker", "", "external broker `URLs` instead of the embedded NATS server:\nnats://host:4222[,nats://host2:4222] or kafka://host:9092[,host2:9092]")
	f.StringVar(&b.natsAddr, "nats-addr", "127.0.0.1:4222", "`host:port` where the embedded NATS server listens for consumers")
	f.StringVar(&b.sync, "sync", "always", "when the embedded NATS server's file store fsyncs: `always` (every event\nbefore its 202: a power cut loses nothing answered) or interval (every\ntwo minutes, JetStream's default: faster, and a power cut can lose the\nlast two minutes' events; a process kill loses nothing either way)")
	f.StringVar(&b.stream.Name, "stream", "HUBWIRE_EVENTS", "JetStream stream `name` for the events")
	f.DurationVar(&b.stream.MaxAge, "max-age", 30*24*time.Hour, "how long the stream keeps events, and hubwire their delivery records\n(`duration`; 0 keeps them forever)")
	f.DurationVar(&b.stream.Duplicates, "duplicate-window", 2*time.Minute, "`duration` within which a repeated delivery of the same event is\ndropped by the stream (JetStream's default; the stream keeps each id for\nit, about 0.4 KiB of memory an event: rate × window × 0.4 KiB)")
	f.IntVar(&b.stream.Replicas, "stream-replicas", 1, "`replicas` of the stream on a NATS cluster (3 for a three-node cluster)")
	f.Group("The embedded NATS server: who may connect")
	f.StringVar(&b.embedded.User, "embedded-nats-user", natssink.DefaultUser, "`user` name hubwire's own clients log in to the embedded NATS server as")
	f.StringVar(&b.embedded.PasswordFile, "embedded-nats-password-file", "", "`file` holding that user's password (a mounted secret); by default\nhubwire generates one on first start and keeps it in <data-dir>/nats-password")
	f.StringVar(&b.embedded.ConfigFile, "embedded-nats-config", "", "nats-server configuration `file` whose users, nkeys and accounts may also\nconnect to the embedded server (its authorization and accounts blocks)")
	f.BoolVar(&b.embedded.AllowAnonymous, "nats-allow-anonymous", false, "let clients connect to the embedded NATS server without credentials\n(for tests and demos; never on an address other machines reach)")
	f.StringVar(&b.embedded.TLSCert, "embedded-nats-tls-cert", "", "PEM certificate `file` for the embedded NATS server's listener (with\n--embedded-nats-tls-key; TLS required of every client); reloaded when it changes")
	f.StringVar(&b.embedded.TLSKey, "embedded-nats-tls-key", "", "PEM private key `file` of --embedded-nats-tls-cert")
	f.Group("NATS client (with --broker nats://…)")
	b.natsAuth.register(f)

	f.Group("Kafka (with --broker kafka://…)")
	f.StringVar(&b.kafka.topic, "kafka-topic", "hubwire.events", "Kafka `topic` for the events")
	f.StringVar(&b.kafka.acksTopic, "kafka-acks-topic", "hubwire.acks", "Kafka `topic` for consumers' acknowledgements")
	f.BoolVar(&b.kafka.create, "kafka-create-topics", false, "create the Kafka topics when they are missing (otherwise a missing\nevents topic stops hubwire at start)")
	f.IntVar(&b.kafka.partitions, "kafka-partitions", 6, "`partitions` of topics hubwire creates")
	f.IntVar(&b.kafka.replication, "kafka-replication-factor", 1, "replication `factor` of topics hubwire creates (3 on a real cluster)")
	f.StringVar(&b.kafka.deliveriesTopic, "kafka-deliveries-topic", "hubwire.deliveries", "compacted Kafka `topic` of the events' delivery records (acks and\ncallbacks), with as many partitions as the acks topic")
	b.kafka.auth.register(f)
}

// check works out which broker --broker names.
func (b *brokerConfig) check() error {
	if b.sync != "always" && b.sync != "interval" {
		return fmt.Errorf("--sync %q: want always (fsync each event before its 202) or interval (every two minutes)", b.sync)
	}
	b.kind = "embedded"
	if b.url != "" {
		kind, err := brokerKind(b.url)
		if err != nil {
			return err
		}
		b.kind = kind
	}
	return nil
}

// brokerKind says which broker --broker's URLs name: "nats" or "kafka".
func brokerKind(urls string) (string, error) {
	kinds := map[string]bool{}
	for _, u := range strings.Split(urls, ",") {
		parsed, err := url.Parse(strings.TrimSpace(u))
		if err != nil || parsed.Host == "" {
			return "", fmt.Errorf("--broker: %q is not a broker URL; want nats://host:4222 or kafka://host:9092", u)
		}
		switch parsed.Scheme {
		case "nats", "tls":
			kinds["nats"] = true
		case "kafka":
			kinds["kafka"] = true
		default:
			return "", fmt.Errorf("--broker: %q: scheme %q is not a broker hubwire speaks; want nats:// or kafka://", u, parsed.Scheme)
		}
	}
	if len(kinds) > 1 {
		return "", errors.New("--broker: mixes NATS and Kafka URLs; name the servers of one broker")
	}
	for k := range kinds {
		return k, nil
	}
	return "", errors.New("--broker is empty")
}

// kafkaBrokers lists host:port of each kafka:// URL.
func (b *brokerConfig) kafkaBrokers() []string { return kafkaHosts(b.url) }

func kafkaHosts(urls string) []string {
	var hosts []string
	for _, u := range strings.Split(urls, ",") {
		parsed, _ := url.Parse(strings.TrimSpace(u))
		hosts = append(hosts, parsed.Host)
	}
	return hosts
}

// options turns the checked flags into the server's broker settings.
func (b *brokerConfig) options() (server.Broker, error) {
	out := server.Broker{Kind: b.kind, URL: b.url, NATSAddr: b.natsAddr, Embedded: b.embedded, Sync: b.sync, Mode: b.mode, Stream: b.stream}
	switch b.kind {
	case "nats":
		opts, err := b.natsAuth.Options()
		if err != nil {
			return out, err
		}
		out.NATSOptions = opts
	case "kafka":
		auth, err := b.kafka.auth.auth()
		if err != nil {
			return out, err
		}
		out.Kafka = server.Kafka{
			Brokers: b.kafkaBrokers(), Topic: b.kafka.topic, AcksTopic: b.kafka.acksTopic, DeliveriesTopic: b.kafka.deliveriesTopic,
			CreateTopics: b.kafka.create, Partitions: b.kafka.partitions, ReplicationFactor: b.kafka.replication, Auth: auth,
		}
	}
	return out, nil
}

// natsAuth is how hubwire authenticates to an external NATS server; serve
// and the client commands share its flags.
type natsAuth struct{ natssink.Auth }

func (a *natsAuth) register(f *cli.Flags) {
	f.StringVar(&a.Creds, "nats-creds", "", "NATS credentials `file` (JWT and nkey seed)")
	f.StringVar(&a.NKey, "nats-nkey", "", "NATS nkey seed `file`")
	f.StringVar(&a.User, "nats-user", "", "NATS `user` name (with --nats-password)")
	f.StringVar(&a.Password, "nats-password", "", "NATS `password`")
	f.StringVar(&a.Token, "nats-token", "", "NATS authentication `token`")
	f.StringVar(&a.TLS.CA, "nats-tls-ca", "", "PEM `file` of the CA that signed the NATS servers' certificates\n(turns TLS on)")
	f.StringVar(&a.TLS.Cert, "nats-tls-cert", "", "PEM client certificate `file` for NATS (with --nats-tls-key)")
	f.StringVar(&a.TLS.Key, "nats-tls-key", "", "PEM client key `file` for NATS")
}
