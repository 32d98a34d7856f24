package main

import (
	"errors"
	"fmt"

	"github.com/hubwire/hubwire/internal/cli"
	"github.com/hubwire/hubwire/sinks/replay"
)

// brokerClient is how replay and tail find the broker hubwire serve uses,
// with the same --broker (HUBWIRE_BROKER) and authentication flags.
type brokerClient struct {
	url    string
	kind   string // "nats" or "kafka", from url
	stream string
	topic  string
	nats   natsAuth
	login  embeddedLogin
	kafka  kafkaAuth
}

// register defines the flags, which mean what serve's do, under their
// global variables (HUBWIRE_BROKER).
func (b *brokerClient) register(f *cli.Flags) {
	f.Group("Broker (as hubwire serve's)")
	f.Global(func() { b.define(f) })
}

func (b *brokerClient) define(f *cli.Flags) {
	f.StringVar(&b.url, "broker", "nats://127.0.0.1:4222", "`URLs` of the broker hubwire serve uses: nats://host:4222[,…] or\nkafka://host:9092[,…] (the default is serve's embedded server)")
	f.StringVar(&b.stream, "stream", "HUBWIRE_EVENTS", "JetStream stream `name` of the events (NATS)")
	f.StringVar(&b.topic, "kafka-topic", "hubwire.events", "Kafka `topic` of the events")
	b.nats.register(f)
	b.login.register(f)
	b.kafka.register(f)
}

// check works out which broker --broker names.
func (b *brokerClient) check() error {
	kind, err := brokerKind(b.url)
	if err != nil {
		return err
	}
	b.kind = kind
	switch {
	case b.kind == "kafka" && b.topic == "":
		return errors.New("--kafka-topic is empty: name the topic hubwire serve publishes to")
	case b.kind == "nats" && b.stream == "":
		return errors.New("--stream is empty: name the stream hubwire serve publishes to")
	}
	return nil
}

// broker is the connection settings the flags give, the files they name
// read.
func (b *brokerClient) broker() (replay.Broker, error) {
	if b.kind != "kafka" {
		opts, err := b.nats.Options()
		if err != nil {
			return replay.Broker{}, err
		}
		login, err := b.login.options(b.url, b.nats.Auth)
		if err != nil {
			return replay.Broker{}, err
		}
		opts = append(opts, login...)
		return replay.Broker{NATS: &replay.NATS{URL: b.url, Options: opts, Stream: b.stream}}, nil
	}
	auth, err := b.kafka.auth()
	if err != nil {
		return replay.Broker{}, err
	}
	transport, err := auth.Transport()
	if err != nil {
		return replay.Broker{}, fmt.Errorf("--kafka-sasl: %w", err)
	}
	dialer, err := auth.Dialer()
	if err != nil {
		return replay.Broker{}, fmt.Errorf("--kafka-sasl: %w", err)
	}
	return replay.Broker{Kafka: &replay.Kafka{URL: b.url, Brokers: kafkaHosts(b.url), Topic: b.topic, Transport: transport, Dialer: dialer}}, nil
}
