package server

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	natsgo "github.com/nats-io/nats.go"

	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/adapter/reply/natsreply"
	"github.com/hubwire/hubwire/console"
	"github.com/hubwire/hubwire/internal/redact"
	natssink "github.com/hubwire/hubwire/sinks/nats"
	"github.com/hubwire/hubwire/sinks/replay"
)

// consoleReplayer runs the console's replays with sinks/replay, on the
// broker hubwire serve uses: a subject or topic of it, or a URL held to
// the callbacks' rules.
type consoleReplayer struct {
	s      *Server
	poster *reply.Poster
}

var _ console.Replayer = consoleReplayer{}

func (r consoleReplayer) kind() string {
	if r.s.opts.Broker.Kind == "kafka" {
		return "kafka"
	}
	return "nats"
}

// protected are hubwire's own streams (NATS) or topics (Kafka): a replay
// writes into none of them.
func (r consoleReplayer) protected() []string {
	o := r.s.opts.Broker
	if r.kind() == "kafka" {
		return []string{o.Kafka.Topic, o.Kafka.AcksTopic, o.Kafka.DeliveriesTopic, o.Kafka.AcksTopic + ".deadletter"}
	}
	return []string{o.Stream.Name, natsreply.AckStream, natsreply.WorkStream, natsreply.DeadLetterStream, "KV_" + natsreply.Bucket}
}

// ownSubjects are the subjects hubwire reads or answers on: a replay
// publishes to none, captured by a stream or not.
var ownSubjects = []string{natssink.DefaultSubjectPrefix + ".", reply.AckSubjectPrefix + ".", "hubwire.reply.", natsreply.DeadLetterPrefix + "."}

// Check implements console.Replayer.
func (r consoleReplayer) Check(ctx context.Context, to string) (string, error) {
	const want = "want nats:<subject> or kafka:<topic> (on hubwire's broker) or an http(s):// URL"
	if !slices.ContainsFunc([]string{"nats:", "kafka:", "http://", "https://"}, func(p string) bool { return strings.HasPrefix(to, p) }) {
		return "", fmt.Errorf("%s: %s", redact.HostOr(to, "the destination"), want)
	}
	d, err := replay.ParseDestination(to, r.kind())
	if err != nil {
		msg := strings.Replace(err.Error(), "--to ", "", 1)
		if strings.HasPrefix(to, "http") {
			// A URL that cannot be read is not quoted whole: its path
			// may be a capability.
			msg = strings.ReplaceAll(msg, to, redact.HostOr(to, "the URL"))
		}
		return "", errors.New(msg)
	}
	switch d.Kind {
	case replay.ToJSONLines:
		return "", errors.New(want)
	case replay.ToHTTP:
		if err := r.poster.Allowed(d.Target); err != nil {
			return "", fmt.Errorf("%s: %s (a replay's URL is held to the callbacks' rules)", d, strings.NewReplacer("callback_url", "the URL", "callback host", "host").Replace(err.Error()))
		}
		if err := r.poster.CheckAddresses(ctx, d.Target); err != nil {
			return "", fmt.Errorf("%s: %s (a replay's URL is held to the callbacks' rules)", d, strings.Replace(err.Error(), "callback refused: its", "its", 1))
		}
	case replay.ToNATS:
		if strings.HasPrefix(d.Target, "$") || strings.HasPrefix(d.Target, "_") {
			return "", fmt.Errorf("%s: subjects that begin with $ or _ are the server's (JetStream's API, key-value buckets, inboxes): choose another", d)
		}
		for _, p := range ownSubjects {
			if strings.HasPrefix(d.Target+".", p) {
				return "", fmt.Errorf("%s: subjects under %s> are hubwire's own: choose another", d, p)
			}
		}
	case replay.ToKafka:
		for _, t := range r.protected() {
			if d.Target == t {
				return "", fmt.Errorf("%s: topic %s is hubwire's own: choose another", d, t)
			}
		}
	}
	return d.String(), nil
}

// Bound implements console.Replayer.
func (r consoleReplayer) Bound() string {
	if r.kind() == "kafka" {
		return "Counted among the delivery records each replica keeps (events with a callback_url, and others once acked)"
	}
	return fmt.Sprintf("Counted among the newest %d messages of stream %s (from since, when set)", natsreply.MaxScan, r.s.opts.Broker.Stream.Name)
}

// Replay implements console.Replayer: the events of the set are read
// from where the oldest of them is stored.
func (r consoleReplayer) Replay(ctx context.Context, run console.ReplayRun) (bool, error) {
	d, err := replay.ParseDestination(run.To, r.kind())
	if err != nil {
		return false, err
	}
	b, err := r.broker()
	if err != nil {
		return false, err
	}
	ids := make(map[string]bool, len(run.Set))
	var sel replay.Selection
	var since time.Time
	for i := range run.Set {
		rec := &run.Set[i]
		ids[rec.ID] = true
		if seq := rec.Stored.Seq; rec.Stored.Broker == "nats" && seq > 0 && (sel.FromSeq == 0 || seq < sel.FromSeq) {
			sel.FromSeq = seq
		}
		if t := rec.Time(); i == 0 || t.Before(since) {
			since = t
		}
	}
	if b.Kafka != nil && !since.IsZero() {
		// The record's time is the receipt's, before the publish; a
		// minute's margin covers the clocks of the replicas and brokers.
		sel.Since = since.Add(-time.Minute)
	}
	sum, err := replay.Run(ctx, replay.Options{
		Broker: b, Selection: sel, To: d, Rate: run.Rate, IDs: ids, Written: run.Written, Stop: run.Stop,
		HTTPClient: r.poster.Client(), Protected: r.protected(), Log: run.Log,
	})
	if err != nil {
		// The messages name the command's flag; the console has a field.
		err = errors.New(strings.TrimPrefix(err.Error(), "--to "))
	}
	return sum.Stopped, err
}

// broker is where the replay reads, and re-publishes: its own connection
// to hubwire's broker, so that a replay does not queue behind the
// deliveries' publishes (nor they behind it).
func (r consoleReplayer) broker() (replay.Broker, error) {
	o := r.s.opts.Broker
	if r.kind() == "kafka" {
		transport, err := o.Kafka.Auth.Transport()
		if err != nil {
			return replay.Broker{}, err
		}
		dialer, err := o.Kafka.Auth.Dialer()
		if err != nil {
			return replay.Broker{}, err
		}
		return replay.Broker{Kafka: &replay.Kafka{URL: strings.Join(o.Kafka.Brokers, ","), Brokers: o.Kafka.Brokers, Topic: o.Kafka.Topic, Transport: transport, Dialer: dialer}}, nil
	}
	if b := r.s.broker; b != nil && b.embedded != nil {
		opts := []natsgo.Option{natsgo.InProcessServer(b.embedded)}
		if b.password != "" {
			opts = append(opts, natsgo.UserInfo(b.user, b.password))
		}
		return replay.Broker{NATS: &replay.NATS{Options: opts, Stream: o.Stream.Name}}, nil
	}
	return replay.Broker{NATS: &replay.NATS{URL: o.URL, Options: o.NATSOptions, Stream: o.Stream.Name}}, nil
}
