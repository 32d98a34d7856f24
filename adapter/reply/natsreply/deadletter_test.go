package natsreply

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/sinks/nats/natstest"
)

// TestPoisonAckRefusedAtTheRequest: an ack with a huge consumer name was
// answered accepted, then never fit the record; it is refused at once,
// with a short answer.
func TestPoisonAckRefusedAtTheRequest(t *testing.T) {
	b := natstest.StartBroker(t)
	start(t, b.URL(), prometheus.NewRegistry())
	nc, err := natsgo.Connect(b.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	body := `{"consumer":"` + strings.Repeat("c", 500_000) + `","state":"success"}`
	msg, err := nc.Request(AckSubjectPrefix+"."+idWeb1, []byte(body), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var r reply.AckReply
	json.Unmarshal(msg.Data, &r)
	if r.Accepted || r.Error == "" || len(msg.Data) > 300 {
		t.Errorf("answer %.300s", msg.Data)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestAckDeadLettered: an ack that cannot be applied (here: the records'
// bucket is gone) is tried AckAttempts times, then kept on the
// dead-letter stream as sent, counted and logged once; it is not retried
// for ever.
func TestAckDeadLettered(t *testing.T) {
	b := natstest.StartBroker(t)
	nc, err := natsgo.Connect(b.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	reg := prometheus.NewRegistry()
	logs := &lockedBuffer{}
	s, err := Start(context.Background(), Config{
		Conn: nc, AckTimeout: time.Minute, Retention: time.Hour, Metrics: reply.NewMetrics(reg),
		Poster:      &reply.Poster{AllowedHosts: []string{"127.0.0.1:*"}, AllowInsecure: true, Timeout: time.Second, MaxAttempts: 1},
		Logger:      slog.New(slog.NewTextHandler(logs, nil)),
		AckAttempts: 3, AckRetryDelay: func(int) time.Duration { return 10 * time.Millisecond },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	ctx := context.Background()
	js, _ := jetstream.New(nc)
	if err := js.DeleteKeyValue(ctx, Bucket); err != nil {
		t.Fatal(err)
	}
	ack := []byte(`{"consumer":"ci","state":"success"}`)
	if err := nc.Publish(AckSubjectPrefix+"."+idWeb1, ack); err != nil { // the acks stream answers no publish
		t.Fatal(err)
	}
	waitFor(t, "the ack dead-lettered", func() bool {
		return ackCount(t, reg, "dead_lettered") == 1
	})
	stream, err := js.Stream(ctx, DeadLetterStream)
	if err != nil {
		t.Fatal(err)
	}
	m, err := stream.GetLastMsgForSubject(ctx, DeadLetterPrefix+"."+idWeb1)
	if err != nil {
		t.Fatalf("dead-letter stream: %v", err)
	}
	if string(m.Data) != string(ack) {
		t.Errorf("dead-lettered %q, want the ack as sent", m.Data)
	}
	time.Sleep(200 * time.Millisecond) // would be 20 more tries
	if n := strings.Count(logs.String(), "dead-letter"); n != 1 {
		t.Errorf("%d dead-letter lines:\n%s", n, logs)
	}
	if n := strings.Count(logs.String(), "ack not applied; will retry"); n != 2 {
		t.Errorf("%d retries logged, want 2 (3 attempts):\n%s", n, logs)
	}
}

// ackCount reads hubwire_acks_total{result}.
func ackCount(t *testing.T, reg *prometheus.Registry, result string) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "hubwire_acks_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == result {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
