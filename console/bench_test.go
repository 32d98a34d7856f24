package console_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	natsgo "github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/adapter/reply/kafkareply"
	"github.com/hubwire/hubwire/adapter/reply/natsreply"
	"github.com/hubwire/hubwire/console"
	"github.com/hubwire/hubwire/sinks"
	kafkasink "github.com/hubwire/hubwire/sinks/kafka"
	natssink "github.com/hubwire/hubwire/sinks/nats"
	"github.com/hubwire/hubwire/sinks/nats/natstest"
	"github.com/hubwire/hubwire/sinks/store"
)

const benchToken = "bench-token-0123456789abcdef"

// BenchmarkList10000 renders the console's list with 10,000 stored
// events, published to a real JetStream stream as hubwire serve stores
// them (1 in 10 with a callback_url, hence a record in the bucket) and
// read back by the NATS reply subscriber: the first page, a filtered page
// (the outcome looks up each candidate's record), and a payload search
// that reads every event. The bar is 200 ms an op on the project's machine.
func BenchmarkList10000(b *testing.B) {
	broker := natstest.StartBroker(b)
	nc, err := natsgo.Connect(broker.URL())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	sub, err := natsreply.Start(context.Background(), natsreply.Config{Conn: nc, Events: "HUBWIRE_EVENTS", AckTimeout: time.Minute, Retention: 24 * time.Hour,
		Metrics: reply.NewMetrics(prometheus.NewRegistry()), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Poster: &reply.Poster{AllowedHosts: []string{"127.0.0.1"}, AllowInsecure: true, Timeout: time.Second, MaxAttempts: 1}})
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Stop()
	sink, err := natssink.New(context.Background(), nc, natssink.Config{Stream: natssink.StreamConfig{Name: "HUBWIRE_EVENTS", MaxAge: time.Hour, Duplicates: time.Minute}})
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	st, err := store.New(context.Background(), store.Config{Sink: sink, Recorder: sub, Timeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	const n = 10000
	registries := []string{"dockerhub", "dtr", "quay", "harbor"}
	fill(b, st, n, registries)
	listPages(b, sub, n, registries)
}

// BenchmarkList10000Kafka is BenchmarkList10000 on Kafka (kfake, three
// partitions): the events published to the topic as hubwire serve
// publishes them, read back newest first by the Kafka reply subscriber
// (the records, 1 in 10, from its view). Same bar: 200 ms an op.
func BenchmarkList10000Kafka(b *testing.B) {
	const events, acks, deliveries = "hubwire.events", "hubwire.acks", "hubwire.deliveries"
	c, err := kfake.NewCluster(kfake.SeedTopics(3, events, acks, deliveries))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	sub, err := kafkareply.Start(context.Background(), kafkareply.Config{Brokers: c.ListenAddrs(), Events: events, AcksTopic: acks, DeliveriesTopic: deliveries,
		Registries: map[string]string{"com.docker.dtr.tag.pull": "dtr"}, GroupID: "hubwire-reply", AckTimeout: time.Minute, Retention: 24 * time.Hour,
		Metrics: reply.NewMetrics(prometheus.NewRegistry()), Logger: quiet,
		Poster: &reply.Poster{AllowedHosts: []string{"127.0.0.1"}, AllowInsecure: true, Timeout: time.Second, MaxAttempts: 1}})
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Stop()
	sink, err := kafkasink.New(context.Background(), kafkasink.Config{Brokers: c.ListenAddrs(), Topic: events, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	st, err := store.New(context.Background(), store.Config{Sink: sink, Recorder: sub, Timeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	const n = 10000
	registries := []string{"dockerhub", "dtr", "quay", "harbor"}
	fill(b, st, n, registries)
	listPages(b, sub, n, registries)
}

// fill stores n events as hubwire serve does, from 8 goroutines: 1 in 10
// with a callback_url, hence a record.
func fill(b *testing.B, st *store.Store, n int, registries []string) {
	var wg sync.WaitGroup
	work := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range work {
				e := event.New()
				e.SetID(fmt.Sprintf("%032x", i))
				e.SetSource("urn:hubwire:dtr:acme/web")
				e.SetType("com.docker.dtr.tag.pull")
				e.SetSubject(fmt.Sprintf("acme/web-%d:1.%d", i%50, i%7))
				e.SetTime(time.Now())
				e.SetExtension("partitionkey", fmt.Sprintf("acme/web-%d", i%50))
				_ = e.SetData("application/json", map[string]any{"registry": "dtr", "payload": map[string]any{"type": "TAG_PULL", "contents": map[string]any{"namespace": "acme", "repository": fmt.Sprintf("web-%d", i%50), "tag": fmt.Sprintf("1.%d", i%7), "author": fmt.Sprintf("user%d", i)}}})
				reg := registries[i%len(registries)]
				d := sinks.Entry{Source: reg, Address: sinks.Address{Source: reg, Kind: "tag_pull", Namespace: "acme", Name: "web"}, Event: &e,
					Header: map[string]string{"Content-Type": "application/json", "User-Agent": "DTR"}}
				if i%10 == 0 {
					d.CallbackURL = "http://127.0.0.1:9/u/acme/web/hook/secret/"
				}
				if _, err := st.Put(context.Background(), d); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
}

// listPages renders the first page, a filtered page and a payload search
// of h, once all n events are listed.
func listPages(b *testing.B, h reply.History, n int, registries []string) {
	c, err := console.New(console.Config{Token: benchToken, History: h, Registries: registries, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	login := httptest.NewRecorder()
	lreq := httptest.NewRequest(http.MethodPost, "/console/login", strings.NewReader(url.Values{"token": {benchToken}}.Encode()))
	lreq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	c.ServeHTTP(login, lreq)
	cookies := login.Result().Cookies()
	if len(cookies) == 0 {
		b.Fatalf("no session: %d %s", login.Code, login.Body)
	}
	// Every event is listed.
	for deadline := time.Now().Add(time.Minute); ; {
		recs, err := h.List(context.Background(), reply.Query{})
		if err == nil && len(recs) == n {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d events listed, want %d (%v)", len(recs), n, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, page := range []struct{ name, query string }{
		{"first-page", ""},
		{"filtered", "?registry=dtr&tag=1.3&outcome=none"},
		{"search", "?q=user9999"},
	} {
		b.Run(page.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "/console/"+page.query, nil)
				req.AddCookie(cookies[0])
				w := httptest.NewRecorder()
				c.ServeHTTP(w, req)
				if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "acme/web-") {
					b.Fatalf("%d %.300s", w.Code, w.Body)
				}
			}
		})
	}
}
