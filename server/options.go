package server

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"

	"github.com/hubwire/hubwire/adapter/receiver"
)

// Check reports the first setting that cannot work, naming it by its flag
// (which is also its HUBWIRE_ variable and config key). New checks too;
// hubwire config check calls it without starting anything.
func (o *Options) Check() error {
	if len(o.Registries) == 0 {
		return errors.New("no registries to serve")
	}
	for _, check := range []func() error{o.checkLimits, o.checkReceiver, o.checkHTTP, o.Reply.check, o.Broker.check} {
		if err := check(); err != nil {
			return err
		}
	}
	// Delivery records are kept as long as the events (the bucket's TTL
	// on NATS, the replicas' memory on Kafka); one that expired before
	// its required consumers' deadline would lose the callback.
	if age := o.Broker.Stream.MaxAge; age > 0 && age <= o.Reply.AckTimeout {
		return fmt.Errorf("--max-age %v must be longer than --ack-timeout %v (or 0, to keep events and their delivery records forever)", age, o.Reply.AckTimeout)
	}
	if _, err := tokenHeaders(o.Sources); err != nil {
		return err
	}
	_, err := verifiers(o.Sources)
	return err
}

// checkLimits checks the sizes, rates and times deliveries are held to.
func (o *Options) checkLimits() error {
	switch {
	case o.MaxBodyBytes <= 0:
		return fmt.Errorf("--max-body-bytes %d: must be positive", o.MaxBodyBytes)
	case o.SpoolMaxBytes < 0:
		return fmt.Errorf("--spool-max-bytes %d: must be 0 (no spool) or a size in bytes", o.SpoolMaxBytes)
	case o.SpoolMaxBytes > 0 && o.SpoolMaxBytes < 4*o.MaxBodyBytes:
		return fmt.Errorf("--spool-max-bytes %d is too small to hold even a few deliveries of --max-body-bytes %d; give it at least %d", o.SpoolMaxBytes, o.MaxBodyBytes, 4*o.MaxBodyBytes)
	case o.PublishTimeout <= 0:
		return fmt.Errorf("--publish-timeout %v: must be positive", o.PublishTimeout)
	case o.AllowedRate != "*" && !isPositiveInt(o.AllowedRate):
		return fmt.Errorf("--webhook-allowed-rate %q: want a number of requests a minute, or *", o.AllowedRate)
	case o.RateLimit < 0 || o.SourceRateLimit < 0:
		return fmt.Errorf("--rate-limit %v, --source-rate-limit %v: must be 0 (no limit) or more", o.RateLimit, o.SourceRateLimit)
	case o.MaxInFlight < 0:
		return fmt.Errorf("--max-in-flight %d: must be 0 (no cap) or more", o.MaxInFlight)
	case o.MaxInFlightBytes < 0 || o.MaxInFlightBytes > 0 && o.MaxInFlightBytes < o.MaxBodyBytes:
		return fmt.Errorf("--max-in-flight-bytes %d: must be 0 (no bound) or at least --max-body-bytes %d", o.MaxInFlightBytes, o.MaxBodyBytes)
	case o.DataDir == "":
		return errors.New("--data-dir is empty: name a directory for the store and the token")
	}
	return nil
}

func isPositiveInt(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n > 0
}

// checkReceiver checks where the receiver listens and its token.
func (o *Options) checkReceiver() error {
	if _, _, err := net.SplitHostPort(o.HTTPAddr); err != nil {
		return fmt.Errorf("--http-addr %q: want host:port, such as 127.0.0.1:8080", o.HTTPAddr)
	}
	if o.Token != "" {
		if err := receiver.CheckToken(o.Token); err != nil {
			return fmt.Errorf("--token: %w", err)
		}
	}
	if o.PublicURL != "" {
		u, err := url.Parse(o.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			return fmt.Errorf("--public-url %q: want an absolute http(s) URL such as https://hooks.example.com", o.PublicURL)
		}
	}
	return nil
}

// checkHTTP checks the HTTP server's TLS files and timeouts.
func (o *Options) checkHTTP() error {
	switch {
	case (o.TLSCert == "") != (o.TLSKey == ""):
		return errors.New("--tls-cert and --tls-key go together")
	case o.TLSClientCA != "" && o.TLSCert == "":
		return errors.New("--tls-client-ca needs --tls-cert and --tls-key")
	case o.ReadHeaderTimeout <= 0 || o.ReadTimeout <= 0 || o.WriteTimeout <= 0 || o.IdleTimeout <= 0:
		return errors.New("--read-header-timeout, --read-timeout, --write-timeout, --idle-timeout: each must be positive")
	case o.WriteTimeout <= o.PublishTimeout:
		return fmt.Errorf("--write-timeout %v must be longer than --publish-timeout %v, or answers are cut off", o.WriteTimeout, o.PublishTimeout)
	case o.MaxHeaderBytes < 4096:
		return fmt.Errorf("--max-header-bytes %d: at least 4096", o.MaxHeaderBytes)
	}
	if o.TLSCert != "" {
		if _, err := ReceiverTLS(o.TLSCert, o.TLSKey, o.TLSClientCA); err != nil {
			return err
		}
	}
	return nil
}

func (r *Reply) check() error {
	switch {
	case r.AckTimeout <= 0:
		return fmt.Errorf("--ack-timeout %v: must be positive", r.AckTimeout)
	case r.Attempts < 1:
		return fmt.Errorf("--callback-attempts %d: must be at least 1", r.Attempts)
	case r.CallbackTimeout <= 0:
		return fmt.Errorf("--callback-timeout %v: must be positive", r.CallbackTimeout)
	case len(r.AllowHosts) == 0:
		return errors.New("--callback-allow-host: name at least one host")
	}
	return nil
}

func (b *Broker) check() error {
	if b.Kind != "kafka" {
		if err := b.Stream.Check(); err != nil {
			return fmt.Errorf("--stream, --max-age, --duplicate-window, --stream-replicas: %w", err)
		}
		if b.Kind == "embedded" || b.Kind == "" {
			return b.Embedded.check()
		}
		return nil
	}
	k := b.Kafka
	switch {
	case k.Topic == "":
		return errors.New("--kafka-topic is empty")
	case k.CreateTopics && (k.Partitions < 1 || k.ReplicationFactor < 1):
		return fmt.Errorf("--kafka-partitions %d, --kafka-replication-factor %d: both must be at least 1", k.Partitions, k.ReplicationFactor)
	}
	if _, err := k.Auth.Transport(); err != nil {
		return fmt.Errorf("--kafka-sasl: %w", err)
	}
	return nil
}
