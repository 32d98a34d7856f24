package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hubwire/hubwire/server"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	kafkago "github.com/segmentio/kafka-go"
)

// outcome is what one delivery of a load got back.
type outcome struct {
	id      string
	status  int // 0 when the request failed (hubwire killed)
	spooled bool
	took    time.Duration
	error   string // the answer's error, for the log
}

// load posts n distinct Docker Hub pushes to url from workers goroutines,
// the way a busy registry would, and calls progress after each answer
// with the number answered so far (2xx or not).
func load(t *testing.T, url string, n, workers int, progress func(answered int)) []outcome {
	t.Helper()
	return loadFrom(t, url, 0, n, workers, progress)
}

// loadFrom is load with events first… first+n-1, distinct from another
// load's.
func loadFrom(t *testing.T, url string, first, n, workers int, progress func(answered int)) []outcome {
	t.Helper()
	bodies := make([][]byte, n)
	for i := range n {
		bodies[i] = hubDelivery(t, "https://registry.example", fmt.Sprintf("load-%04d", first+i))
	}
	client := &http.Client{Timeout: 60 * time.Second}
	out := make([]outcome, n)
	next := atomic.Int64{}
	answered := atomic.Int64{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				began := time.Now()
				out[i] = deliverOnce(client, url, bodies[i])
				out[i].took = time.Since(began)
				if progress != nil {
					progress(int(answered.Add(1)))
				}
			}
		})
	}
	wg.Wait()
	return out
}

func deliverOnce(client *http.Client, url string, body []byte) outcome {
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return outcome{}
	}
	defer resp.Body.Close()
	var b struct {
		ID      string `json:"id"`
		Spooled bool   `json:"spooled"`
		Error   string `json:"error"`
	}
	raw, _ := io.ReadAll(resp.Body)
	json.Unmarshal(raw, &b)
	return outcome{id: b.ID, status: resp.StatusCode, spooled: b.Spooled, error: b.Error}
}

// tally counts a load's answers and checks them against what the broker
// holds (found: id → copies): every 2xx event there, none twice when
// exactlyOnce, and no answer but 202 and 503. It logs the figures the
// closing note reports.
func tally(t *testing.T, name string, out []outcome, found map[string]int, exactlyOnce bool) {
	t.Helper()
	var ok, spooled, unavailable, failed, lost, twice int
	for _, o := range out {
		switch o.status {
		case http.StatusAccepted:
			ok++
			if o.spooled {
				spooled++
			}
			switch n := found[o.id]; {
			case n == 0:
				lost++
				t.Errorf("%s: event %s was answered 202 (spooled %v) and is not in the broker", name, o.id, o.spooled)
			case n > 1 && exactlyOnce:
				twice++
				t.Errorf("%s: event %s is in the broker %d times", name, o.id, n)
			}
		case http.StatusServiceUnavailable:
			if unavailable == 0 {
				t.Logf("%s: first 503: %s", name, o.error)
			}
			unavailable++
		case 0:
			failed++
		default:
			t.Errorf("%s: a delivery was answered %d; only 202 and 503 may be", name, o.status)
		}
	}
	stored := 0
	for _, n := range found {
		stored += n
	}
	t.Logf("%s: sent %d, 2xx %d (spooled %d), 503 %d, no answer %d, events in the broker %d (distinct %d), lost %d, twice %d",
		name, len(out), ok, spooled, unavailable, failed, stored, len(found), lost, twice)
}

// natsIDs reads the whole stream at url and counts each event id.
func natsIDs(t *testing.T, url, stream string) map[string]int {
	t.Helper()
	nc, err := natsgo.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	if info.State.Msgs == 0 {
		return ids
	}
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for seen := uint64(0); seen < info.State.Msgs; seen++ {
		m, err := c.Next(jetstream.FetchMaxWait(10 * time.Second))
		if err != nil {
			t.Fatalf("reading %s: %d of %d: %v", stream, seen, info.State.Msgs, err)
		}
		ids[m.Headers().Get("ce-id")]++
	}
	return ids
}

// kafkaIDs reads every partition of topic up to its end and counts each
// event id.
func kafkaIDs(t *testing.T, broker, topic string, into map[string]int) {
	t.Helper()
	conn, err := kafkago.Dial("tcp", broker)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := conn.ReadPartitions(topic)
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		lc, err := kafkago.DialLeader(ctx, "tcp", broker, topic, p.ID)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		end, err := lc.ReadLastOffset()
		lc.Close()
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: []string{broker}, Topic: topic, Partition: p.ID, MaxWait: 100 * time.Millisecond})
		for off := int64(0); off < end; {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				r.Close()
				cancel()
				t.Fatalf("reading %s partition %d at %d of %d: %v", topic, p.ID, off, end, err)
			}
			into[header(m, "ce_id")]++
			off = m.Offset + 1
		}
		r.Close()
		cancel()
	}
}

func header(m kafkago.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// drained waits until inst's spool is empty.
func drained(t *testing.T, inst *server.Server) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err := inst.Spool().Status(context.Background())
		if err == nil && st.Events == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the spool still holds %d events a minute after the broker came back (%v)", st.Events, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
