// Command consumer reads hubwire's events from NATS JetStream with a durable
// consumer, decodes each with the CloudEvents SDK, prints it as one line of
// JSON, and acknowledges it twice: to JetStream (so that it is not
// delivered again) and to hubwire (so that the registry gets its callback).
//
//	go run ./examples/go/consumer --durable ci
//	go run ./examples/go/consumer --durable scanner --filter 'hubwire.events.dtr.>'
//
// Each durable name is a cursor of its own in the stream: two teams with
// different durables each get every event (fan-out), and several instances
// with the same durable share that durable's events (load balancing). A
// durable created after the events were stored starts at the beginning of
// the stream, so a consumer started late catches up (replay).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	cejs "github.com/cloudevents/sdk-go/protocol/nats_jetstream/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func main() {
	server := flag.String("server", "nats://127.0.0.1:4222", "NATS `URL` (hubwire serve's embedded server by default)")
	stream := flag.String("stream", "HUBWIRE_EVENTS", "JetStream `stream` hubwire publishes to")
	durable := flag.String("durable", "example", "durable consumer `name`: instances sharing it split the events")
	filter := flag.String("filter", "hubwire.events.>", "`subjects` to read: hubwire.events.<source>.<kind>.<namespace>.<name>")
	name := flag.String("consumer", "", "consumer `name` in the acks sent to hubwire (default: the durable name)")
	count := flag.Int("count", 0, "exit after this many events (0: run until interrupted)")
	// hubwire's embedded server asks for a password: the one hubwire serve
	// keeps in its data directory, or $NATS_PASSWORD.
	user := flag.String("user", envOr("NATS_USER", "hubwire"), "NATS `user` ($NATS_USER)")
	passwordFile := flag.String("password-file", envOr("NATS_PASSWORD_FILE", "hubwire-data/nats-password"), "`file` holding the NATS password, when $NATS_PASSWORD is not set\n(hubwire serve keeps it in <data-dir>/nats-password)")
	flag.Parse()
	if *name == "" {
		*name = *durable
	}
	log.SetFlags(0)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	opts := []nats.Option{nats.Name("hubwire example consumer " + *durable)}
	password := os.Getenv("NATS_PASSWORD")
	if b, err := os.ReadFile(*passwordFile); password == "" && err == nil {
		password = strings.TrimSpace(string(b))
	}
	if password != "" {
		opts = append(opts, nats.UserInfo(*user, password))
	}
	nc, err := nats.Connect(*server, opts...)
	if err != nil {
		log.Fatalf("connecting to %s: %v", *server, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		log.Fatal(err)
	}

	// Create the durable consumer, or bind to it if it exists: every
	// instance of a team runs this same line. DeliverAll (the default)
	// makes a new durable start at the first event still in the stream.
	cons, err := js.CreateOrUpdateConsumer(ctx, *stream, jetstream.ConsumerConfig{
		Durable:       *durable,
		FilterSubject: *filter,
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		log.Fatalf("durable consumer %q on stream %s: %v", *durable, *stream, err)
	}
	msgs, err := cons.Messages()
	if err != nil {
		log.Fatal(err)
	}
	go func() { <-ctx.Done(); msgs.Stop() }() // Ctrl-C ends the loop below
	nc.Flush()
	log.Printf("reading %s as durable consumer %q (%s)", *stream, *durable, *filter)

	out := json.NewEncoder(os.Stdout)
	for n := 0; *count == 0 || n < *count; n++ {
		msg, err := msgs.Next()
		if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
			break // interrupted
		} else if err != nil {
			log.Fatal(err)
		}
		e, err := toEvent(ctx, msg)
		if err != nil {
			// Not a CloudEvent: tell JetStream never to deliver it again.
			log.Printf("%s: cannot decode as a CloudEvent: %v", msg.Subject(), err)
			msg.Term()
			continue
		}

		// Your work goes here. This example prints the event as one
		// line of JSON: the attributes, the extensions and the data.
		out.Encode(e)

		// Tell hubwire how it went; it turns the acks into the callback
		// the registry expects. Then tell JetStream the message is done.
		ackHubwire(nc, e.ID(), *name)
		if err := msg.Ack(); err != nil {
			log.Printf("%s: JetStream ack: %v", e.ID(), err)
		}
	}
	// Stop pulling, and make sure the last acks reached the server. The
	// messages this instance had buffered but not acked go to another
	// instance of the durable once their ack wait (30s) is over.
	msgs.Stop()
	nc.Flush()
}

// toEvent decodes a message with the CloudEvents SDK. hubwire sends
// binary mode, an event attribute per ce- header, percent-encoded as the
// CloudEvents NATS binding asks; the SDK's binding does not undo that
// encoding, so this does it first. (hubwire's own sinks/nats.ToEvent does
// the same.)
func toEvent(ctx context.Context, msg jetstream.Msg) (*event.Event, error) {
	headers := nats.Header{}
	for key, values := range msg.Headers() {
		for _, v := range values {
			if strings.HasPrefix(key, "ce-") {
				var err error
				if v, err = url.PathUnescape(v); err != nil {
					return nil, fmt.Errorf("header %s: %w", key, err)
				}
			}
			headers[key] = append(headers[key], v)
		}
	}
	m := &nats.Msg{Subject: msg.Subject(), Header: headers, Data: msg.Data()}
	return binding.ToEvent(ctx, cejs.NewMessage(m))
}

// ackHubwire sends the hubwire ack: JSON on hubwire.acks.<event-id>, as a
// request, so that hubwire answers whether it took it.
func ackHubwire(nc *nats.Conn, id, consumer string) {
	ack, _ := json.Marshal(map[string]string{
		"consumer":    consumer,
		"state":       "success", // or "failure", "error"
		"description": "printed by the Go example consumer",
	})
	resp, err := nc.Request("hubwire.acks."+id, ack, 5*time.Second)
	if err != nil {
		// With hubwire down the acks stream still keeps the ack.
		log.Printf("ack %s: no answer from hubwire: %v", id, err)
		return
	}
	var answer struct {
		Accepted bool   `json:"accepted"`
		Error    string `json:"error"`
	}
	json.Unmarshal(resp.Data, &answer)
	if answer.Accepted {
		log.Printf("ack %s: taken by hubwire", id)
	} else {
		log.Printf("ack %s: refused by hubwire: %s", id, answer.Error)
	}
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
