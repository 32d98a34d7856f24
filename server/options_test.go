package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/server"
	natssink "github.com/hubwire/hubwire/sinks/nats"
)

func goodOptions() server.Options {
	return server.Options{
		Registries: all.Registries, HTTPAddr: "127.0.0.1:0", DataDir: "data",
		Broker:         server.Broker{Kind: "embedded", Stream: natssink.StreamConfig{Name: "HUBWIRE_EVENTS", Duplicates: time.Minute, Replicas: 1}},
		Reply:          server.Reply{AckTimeout: time.Minute, AllowHosts: []string{"hub.docker.com"}, Attempts: 1, CallbackTimeout: time.Second},
		MaxBodyBytes:   1 << 20,
		PublishTimeout: 10 * time.Second, AllowedRate: "*",
		ReadHeaderTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Minute, IdleTimeout: time.Second,
		MaxHeaderBytes: 1 << 16,
	}
}

// TestNewRefusesWhatCannotWork: each setting that cannot work is named, by
// the flag that sets it, before anything starts.
func TestNewRefusesWhatCannotWork(t *testing.T) {
	if _, err := server.New(goodOptions()); err != nil {
		t.Fatalf("good options refused: %v", err)
	}
	for says, change := range map[string]func(*server.Options){
		"no registries":                        func(o *server.Options) { o.Registries = nil },
		"--max-body-bytes 0":                   func(o *server.Options) { o.MaxBodyBytes = 0 },
		"--spool-max-bytes":                    func(o *server.Options) { o.SpoolMaxBytes = 10 },
		"--http-addr":                          func(o *server.Options) { o.HTTPAddr = "8080" },
		"--token":                              func(o *server.Options) { o.Token = "short" },
		"--public-url":                         func(o *server.Options) { o.PublicURL = "hooks.example.com" },
		"--tls-cert and --tls-key go together": func(o *server.Options) { o.TLSCert = "cert.pem" },
		"--write-timeout":                      func(o *server.Options) { o.WriteTimeout = time.Second },
		"--callback-allow-host":                func(o *server.Options) { o.Reply.AllowHosts = nil },
		"--stream":                             func(o *server.Options) { o.Broker.Stream.Name = "" },
		"--kafka-topic is empty": func(o *server.Options) {
			o.Broker = server.Broker{Kind: "kafka", Kafka: server.Kafka{Brokers: []string{"127.0.0.1:9092"}}}
		},
	} {
		o := goodOptions()
		change(&o)
		if _, err := server.New(o); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("%s: %v", says, err)
		}
	}
}
