package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	natsgo "github.com/nats-io/nats.go"

	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/adapter/reply/kafkareply"
	"github.com/hubwire/hubwire/adapter/reply/natsreply"
	"github.com/hubwire/hubwire/internal/cli"
	natssink "github.com/hubwire/hubwire/sinks/nats"
)

const ackSummary = `Acknowledge an event as a consumer: success, failure or error, with an
optional description (at most 255 characters), context (at most 100) and
target URL. hubwire answers whether it took the ack; once the consumers it
waits for have answered, it posts the callback the registry expects.

The ack is JSON on hubwire.acks.<event-id>, which any NATS client can send:
  nats req hubwire.acks.<event-id> '{"consumer":"ci","state":"success"}'`

// errRefused is a request the other side answered but refused (an ack, a
// delivery); its reason was printed, and the exit status is 1.
var errRefused = errors.New("refused")

// ackArgs is what ack's flags say.
type ackArgs struct {
	a         reply.Ack
	broker    string
	timeout   time.Duration
	auth      natsAuth
	login     embeddedLogin
	kauth     kafkaAuth
	acksTopic string
}

func (x *ackArgs) flags(out io.Writer) *cli.Flags {
	a := &x.a
	f := cli.New("ack", ackSummary)
	f.Positional = " <event-id>"
	f.SetOutput(out)
	f.Group("Broker (as hubwire serve's)")
	f.Global(func() {
		f.StringVar(&x.broker, "broker", "nats://127.0.0.1:4222", "`URLs` of the broker hubwire serve uses: nats://… or kafka://…")
		x.auth.register(f)
		x.login.register(f)
		f.StringVar(&x.acksTopic, "kafka-acks-topic", "hubwire.acks", "Kafka `topic` of the acks")
		x.kauth.register(f)
	})
	f.Group("The ack")
	f.StringVar(&a.State, "state", "", "`state`: success, failure or error (required)")
	f.StringVar(&a.Consumer, "consumer", "cli", "who acknowledges (`name`), as --required-consumers names them")
	f.StringVar(&a.Description, "description", "", "what happened (`text`, at most 255 characters)")
	f.StringVar(&a.Context, "context", "", "what did it (`text`, at most 100 characters)")
	f.StringVar(&a.TargetURL, "target-url", "", "`URL` where the results can be seen")
	f.DurationVar(&x.timeout, "timeout", 5*time.Second, "how long to wait for hubwire's answer (`duration`)")
	f.EnvAs("timeout", "answer-timeout") // HUBWIRE_ACK_TIMEOUT is serve's --ack-timeout
	return f
}

func ackCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var x ackArgs
	f := x.flags(stderr)
	id, err := f.ParseOne(args, getenv, "event id (the id of the 202 answer, or ce-id)")
	if err != nil {
		return err
	}
	x.a.EventID = id
	a, broker, timeout := x.a, x.broker, x.timeout
	if err := a.Validate(); err != nil {
		return err
	}
	if strings.HasPrefix(broker, "kafka://") {
		return ackKafka(ctx, a, broker, x.acksTopic, x.kauth, timeout, stdout)
	}
	opts, err := x.auth.Options()
	if err != nil {
		return err
	}
	own, err := x.login.options(broker, x.auth.Auth)
	if err != nil {
		return err
	}
	nc, err := natssink.Connect(broker, append(append(opts, own...), natsgo.MaxReconnects(0))...)
	if err != nil {
		return x.login.hint(err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r, err := natsreply.SendAck(ctx, nc, a)
	switch {
	case errors.Is(err, natsreply.ErrNoSubscriber):
		return fmt.Errorf("nothing at %s takes acks: is hubwire serve running against this broker?", broker)
	case errors.Is(err, natsreply.ErrUnexpectedAnswer):
		return err
	case err != nil:
		return fmt.Errorf("no answer from hubwire within %v (%v); if hubwire is down, the acks stream keeps the ack for when it is back", timeout, err)
	}
	if !r.Accepted {
		fmt.Fprintf(stderr, "hubwire: ack for %s not taken: %s\n", id, r.Error)
		return errRefused
	}
	fmt.Fprintf(stdout, "ack for %s taken: %s from %s\n", id, a.State, a.Consumer)
	return nil
}

// ackKafka puts the ack on the acks topic; the exit status says the
// broker stored it.
func ackKafka(ctx context.Context, a reply.Ack, broker, topic string, ka kafkaAuth, timeout time.Duration, stdout io.Writer) error {
	auth, err := ka.auth()
	if err != nil {
		return err
	}
	transport, err := auth.Transport()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := kafkareply.SendAck(ctx, kafkaHosts(broker), transport, topic, a); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ack for %s sent to Kafka topic %s: %s from %s (hubwire's verdict: GET /api/events/%s)\n", a.EventID, topic, a.State, a.Consumer, a.EventID)
	return nil
}
