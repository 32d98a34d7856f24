package natsreply

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	natsgo "github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/sinks"
	natssink "github.com/hubwire/hubwire/sinks/nats"
	"github.com/hubwire/hubwire/sinks/nats/natstest"
	"github.com/hubwire/hubwire/sinks/store"
)

// BenchmarkStorePut is the store path of one delivery as hubwire serve
// runs it on NATS: the event published to JetStream and its delivery
// record written by this subscriber. "pull" is an event without a
// callback_url (the bulk of DTR's traffic), "callback" one with.
func BenchmarkStorePut(b *testing.B) {
	for _, callback := range []string{"", "http://127.0.0.1:9/u/acme/web/hook/secret/"} {
		name := "pull"
		if callback != "" {
			name = "callback"
		}
		b.Run(name, func(b *testing.B) {
			broker := natstest.StartBroker(b)
			nc, err := natsgo.Connect(broker.URL())
			if err != nil {
				b.Fatal(err)
			}
			defer nc.Close()
			sub, err := Start(context.Background(), Config{Conn: nc, AckTimeout: time.Minute, Retention: time.Hour, Metrics: reply.NewMetrics(prometheus.NewRegistry()),
				Poster: &reply.Poster{AllowedHosts: []string{"127.0.0.1"}, AllowInsecure: true, Timeout: time.Second, MaxAttempts: 1}})
			if err != nil {
				b.Fatal(err)
			}
			defer sub.Stop()
			sinkConn, err := natsgo.Connect(broker.URL())
			if err != nil {
				b.Fatal(err)
			}
			sink, err := natssink.New(context.Background(), sinkConn, natssink.Config{Stream: natssink.StreamConfig{Name: "EVENTS", MaxAge: time.Hour, Duplicates: time.Minute}})
			if err != nil {
				b.Fatal(err)
			}
			defer sink.Close()
			st, err := store.New(context.Background(), store.Config{Sink: sink, Recorder: sub, Timeout: 10 * time.Second})
			if err != nil {
				b.Fatal(err)
			}
			payload := map[string]any{"type": "TAG_PULL", "createdAt": "2026-01-01T00:00:00Z", "contents": map[string]any{
				"namespace": "acme", "repository": "web", "tag": "1.4", "digest": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				"imageName": "dtr.example.com/acme/web:1.4", "os": "linux", "architecture": "amd64", "author": "ci-bot"}}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				e := event.New()
				e.SetID(fmt.Sprintf("%032x", i))
				e.SetSource("urn:hubwire:dtr:acme/web")
				e.SetType("com.docker.dtr.tag.pull")
				e.SetSubject("acme/web:1.4")
				e.SetTime(time.Now())
				_ = e.SetData("application/json", map[string]any{"registry": "dtr", "repository": "acme/web", "tag": "1.4", "payload": payload})
				d := sinks.Entry{Source: "dtr", Address: sinks.Address{Source: "dtr", Kind: "tag_pull", Namespace: "acme", Name: "web"}, CallbackURL: callback, Event: &e}
				if _, err := st.Put(context.Background(), d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
