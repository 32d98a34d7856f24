package natsreply

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	natsgo "github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/sinks"
	"github.com/hubwire/hubwire/sinks/nats/natstest"
)

func decoded(id, typ, subject, callbackURL string) *adapter.Decoded {
	e := event.New()
	e.SetID(id)
	e.SetSource("urn:test")
	e.SetType(typ)
	e.SetSubject(subject)
	return &adapter.Decoded{Event: e, CallbackURL: callbackURL}
}

// callbacks is the registry's callback endpoint; hook(callbacks) is a
// callback URL on it, whose path must never be shown.
func callbacks(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(srv.Close)
	return srv
}

func hook(srv *httptest.Server) string { return srv.URL + "/u/acme/web/hook/secret-capability/" }

func start(t *testing.T, url string, reg prometheus.Registerer) *Subscriber {
	t.Helper()
	nc, err := natsgo.Connect(url, natsgo.MaxReconnects(-1), natsgo.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	s, err := Start(context.Background(), Config{
		Conn: nc, AckTimeout: time.Minute, Retention: time.Hour, Metrics: reply.NewMetrics(reg),
		Poster: &reply.Poster{AllowedHosts: []string{"127.0.0.1"}, AllowInsecure: true, Timeout: time.Second, MaxAttempts: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

const idWeb1 = "00000000000000000000000000000001"

// A record write that fails is counted (and the receiver, told, answers
// 503 and logs it).
func TestReceiptWriteErrorCounted(t *testing.T) {
	b := natstest.StartBroker(t)
	reg := prometheus.NewRegistry()
	s := start(t, b.URL(), reg)
	b.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.Received(ctx, "dockerhub", decoded(idWeb1, "com.docker.hub.push", "acme/web:1", hook(callbacks(t))), sinks.Receipt{}); err == nil {
		t.Fatal("recorded with the broker down")
	}
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() != "hubwire_record_write_errors_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == reply.OpReceipt && m.GetCounter().GetValue() == 1 {
				b.Start() // for Stop to find the connection
				return
			}
		}
	}
	t.Error(`hubwire_record_write_errors_total{operation="receipt"} is not 1`)
	b.Start()
}
