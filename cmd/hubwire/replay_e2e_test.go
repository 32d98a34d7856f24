package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/hubwire/hubwire/server"
	kafkasink "github.com/hubwire/hubwire/sinks/kafka"
	natssink "github.com/hubwire/hubwire/sinks/nats"
	"github.com/hubwire/hubwire/sinks/nats/natstest"
)

// storedEvent is what the receiver's 202 answer said of an event it stored.
type storedEvent struct {
	id, typ, repo, key string
	seq                uint64
}

// replayHistory is three groups of events, stored before t1, between t1
// and t2, and after t2.
type replayHistory struct {
	a, b, c []storedEvent
	t1, t2  time.Time
}

func (h replayHistory) all() []storedEvent { return slices.Concat(h.a, h.b, h.c) }

// storeHistory posts every sample delivery three times, each group with
// its own occurrence time (so that each group's events are new), noting
// the time between the groups.
func storeHistory(t *testing.T, inst *server.Server, between func()) replayHistory {
	t.Helper()
	var h replayHistory
	day := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	h.a = postGroup(t, inst, day)
	if between != nil {
		between()
	}
	h.t1 = pauseForTime()
	h.b = postGroup(t, inst, day.AddDate(0, 0, 1))
	h.t2 = pauseForTime()
	h.c = postGroup(t, inst, day.AddDate(0, 0, 2))
	return h
}

// pauseForTime is a time strictly between what was stored before and what
// is stored after, even on Kafka's millisecond timestamps.
func pauseForTime() time.Time {
	time.Sleep(5 * time.Millisecond)
	now := time.Now()
	time.Sleep(5 * time.Millisecond)
	return now
}

func postGroup(t *testing.T, inst *server.Server, occurred time.Time) []storedEvent {
	t.Helper()
	var out []storedEvent
	for _, f := range fixtures(t) {
		a := f.deliver(t, inst, freshen(f.body, f.source, occurred))
		if a.status != http.StatusAccepted && a.status != http.StatusOK {
			t.Fatalf("%s/%s: %d %v", f.source, f.name, a.status, a.body)
		}
		for _, r := range receipts(a) {
			if r["duplicate"] == true || r["ignored"] == true {
				continue
			}
			subject, _ := r["subject"].(string)
			s := storedEvent{id: r["id"].(string), typ: r["type"].(string), seq: uint64(r["seq"].(float64)), key: "scanner"}
			// A repository may be one path element (ACR's hello-world):
			// what tells a global event is its type.
			if repo := repositoryOf(subject); !globalType(f.source, s.typ) {
				s.repo, s.key = repo, repo
			}
			out = append(out, s)
		}
	}
	return out
}

// repositoryOf is the repository of a subject: <repository>@<digest>,
// <repository>:<tag> or <repository>, where the repository may hold an
// @ or a : of its own before its last / (Gitea's npm @scope/name).
func repositoryOf(subject string) string {
	slash := strings.LastIndex(subject, "/")
	if i := strings.LastIndex(subject, "@"); i > slash {
		return subject[:i]
	}
	if i := strings.LastIndex(subject, ":"); i > slash {
		return subject[:i]
	}
	return subject
}

func idsOf(events []storedEvent, keep func(storedEvent) bool) []string {
	var ids []string
	for _, e := range events {
		if keep == nil || keep(e) {
			ids = append(ids, e.id)
		}
	}
	return ids
}

func replayCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), append([]string{"replay"}, args...), &out, &errOut, noEnv)
	return code, out.String(), errOut.String()
}

// replayedEvents decodes replay's JSON lines with the CloudEvents SDK.
func replayedEvents(t *testing.T, out string) []event.Event {
	t.Helper()
	var events []event.Event
	lines := bufio.NewScanner(strings.NewReader(out))
	lines.Buffer(nil, 1<<20)
	for lines.Scan() {
		var e event.Event
		if err := json.Unmarshal(lines.Bytes(), &e); err != nil {
			t.Fatalf("line %d is not a structured CloudEvent: %v\n%s", len(events)+1, err, lines.Bytes())
		}
		events = append(events, e)
	}
	return events
}

func eventIDs(events []event.Event) []string {
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.ID()
	}
	return ids
}

// selectionCases are the selections by type and repository, the same on
// both brokers.
func selectionCases(h replayHistory) []struct {
	name string
	args []string
	want []string
} {
	all := h.all()
	has := func(typ string) func(storedEvent) bool { return func(e storedEvent) bool { return e.typ == typ } }
	in := func(repos ...string) func(storedEvent) bool {
		return func(e storedEvent) bool { return slices.Contains(repos, e.repo) }
	}
	since := h.t1.Format(time.RFC3339Nano)
	return []struct {
		name string
		args []string
		want []string
	}{
		{"type", []string{"--type", "com.docker.dtr.tag.push"}, idsOf(all, has("com.docker.dtr.tag.push"))},
		{"type prefix", []string{"--type", "com.docker.dtr.scan.*"}, idsOf(all, func(e storedEvent) bool {
			return e.typ == "com.docker.dtr.scan.completed" || e.typ == "com.docker.dtr.scan.failed"
		})},
		{"two types", []string{"--type", "com.docker.hub.push", "--type", "com.docker.dtr.repo.*"}, idsOf(all, func(e storedEvent) bool {
			return e.typ == "com.docker.hub.push" || strings.HasPrefix(e.typ, "com.docker.dtr.repo.")
		})},
		{"repo", []string{"--repo", "foo/bar"}, idsOf(all, in("foo/bar"))},
		{"namespace wildcard", []string{"--repo", "foo/*"}, idsOf(all, in("foo/bar", "foo/old", "foo/baz"))},
		{"name wildcard", []string{"--repo", "*/bar"}, idsOf(all, in("foo/bar", "prod/bar"))},
		{"partial wildcard", []string{"--repo", "fireflyiii/c*", "--repo", "mirror/alpine"}, idsOf(all, in("fireflyiii/core", "fireflyiii/charts", "mirror/alpine"))},
		{"overlapping wildcards", []string{"--repo", "foo/*,*/bar"}, idsOf(all, in("foo/bar", "foo/old", "foo/baz", "prod/bar"))},
		{"since, type and repo", []string{"--since", since, "--type", "com.docker.hub.push", "--repo", "fireflyiii/*"},
			idsOf(slices.Concat(h.b, h.c), func(e storedEvent) bool {
				return e.typ == "com.docker.hub.push" && strings.HasPrefix(e.repo, "fireflyiii/")
			})},
	}
}

func TestReplayNATS(t *testing.T) {
	inst := startHubwire(t, t.TempDir())
	h := storeHistory(t, inst, nil)
	broker := natsURLOf(inst)
	all := h.all()
	t1, t2 := h.t1.Format(time.RFC3339Nano), h.t2.Format(time.RFC3339Nano)

	t.Run("selects", func(t *testing.T) {
		cases := []struct {
			name string
			args []string
			want []string
		}{
			{"everything", nil, idsOf(all, nil)},
			{"since", []string{"--since", t1}, idsOf(slices.Concat(h.b, h.c), nil)},
			{"since and until", []string{"--since", t1, "--until", t2}, idsOf(h.b, nil)},
			{"until", []string{"--until", t1}, idsOf(h.a, nil)},
			{"since a duration", []string{"--since", "1h"}, idsOf(all, nil)},
			{"from seq", []string{"--from-seq", fmt.Sprint(h.b[0].seq)}, idsOf(slices.Concat(h.b, h.c), nil)},
			{"from seq until", []string{"--from-seq", fmt.Sprint(h.b[0].seq), "--until", t2}, idsOf(h.b, nil)},
			{"nothing yet", []string{"--since", time.Now().Add(time.Hour).Format(time.RFC3339)}, nil},
		}
		cases = append(cases, selectionCases(h)...)
		for _, tc := range cases {
			code, out, errOut := replayCLI(t, append([]string{"--broker", broker}, tc.args...)...)
			got := eventIDs(replayedEvents(t, out))
			if code != 0 || !slices.Equal(got, tc.want) {
				t.Errorf("%s: exit %d, replayed %d events, want %d\n got %v\nwant %v\n%s", tc.name, code, len(got), len(tc.want), got, tc.want, errOut)
			}
			if !strings.Contains(errOut, "replayed "+plural(int64(len(tc.want)), "event")+" in ") {
				t.Errorf("%s: summary %q", tc.name, errOut)
			}
		}
	})

	t.Run("min events", func(t *testing.T) {
		pushes := len(idsOf(h.b, func(e storedEvent) bool { return e.typ == "com.docker.dtr.tag.push" }))
		args := []string{"--broker", broker, "--since", t1, "--until", t2, "--type", "com.docker.dtr.tag.push"}
		if code, _, errOut := replayCLI(t, append(args, "--min-events", fmt.Sprint(pushes))...); code != 0 || pushes == 0 {
			t.Errorf("%d pushes, --min-events %d: exit %d\n%s", pushes, pushes, code, errOut)
		}
		code, out, errOut := replayCLI(t, append(args, "--min-events", fmt.Sprint(pushes+1))...)
		want := fmt.Sprintf("replayed %d of the %d events --min-events asks for", pushes, pushes+1)
		if code != 1 || !strings.Contains(errOut, want) || len(replayedEvents(t, out)) != pushes {
			t.Errorf("--min-events %d: exit %d, stderr %q, want %q", pushes+1, code, errOut, want)
		}
	})

	t.Run("events are whole", func(t *testing.T) {
		_, out, _ := replayCLI(t, "--broker", broker, "--type", "com.docker.dtr.scan.completed", "--until", t1)
		events := replayedEvents(t, out)
		if len(events) != 1 {
			t.Fatalf("%d events", len(events))
		}
		e := events[0]
		if e.Subject() != "foo/bar:latest" || e.Extensions()["repository"] != "foo/bar" || !strings.HasSuffix(e.DataSchema(), "/schemas/dtr.scan.completed.json") ||
			!bytes.Contains(e.Data(), []byte(`"critical":2`)) || e.Validate() != nil {
			t.Errorf("replayed %s", out)
		}
	})

	t.Run("to HTTP, in order, through failures", func(t *testing.T) {
		// The receiver is down for the first three attempts, and again
		// for two in the middle.
		rcv := newCEReceiver(t, func(attempt int, e *event.Event) int {
			if attempt < 3 || attempt == 10 || attempt == 11 {
				return http.StatusServiceUnavailable
			}
			return 0
		})
		code, _, errOut := replayCLI(t, "--broker", broker, "--to", rcv.URL+"/events/secret-token")
		got, attempts := rcv.taken()
		if code != 0 || !slices.Equal(got, idsOf(all, nil)) || attempts != len(all)+5 {
			t.Errorf("exit %d, %d attempts, receiver took %d of %d events in order %v\n%s", code, attempts, len(got), len(all), slices.Equal(got, idsOf(all, nil)[:len(got)]), errOut)
		}
		if !strings.Contains(errOut, "503 Service Unavailable; retrying in 100ms") || strings.Contains(errOut, "secret-token") {
			t.Errorf("stderr %q", errOut)
		}
		if errs := rcv.problems(); len(errs) > 0 {
			t.Error(errs)
		}
	})

	t.Run("a refusal ends the replay", func(t *testing.T) {
		refused := all[5]
		rcv := newCEReceiver(t, func(_ int, e *event.Event) int {
			if e.ID() == refused.id {
				return http.StatusBadRequest
			}
			return 0
		})
		code, _, errOut := replayCLI(t, "--broker", broker, "--to", rcv.URL)
		got, _ := rcv.taken()
		if code != 1 || !slices.Equal(got, idsOf(all[:5], nil)) {
			t.Errorf("exit %d, took %v", code, got)
		}
		for _, want := range []string{"refused event " + refused.id, "400 Bad Request: no thanks", fmt.Sprintf("resume with --from-seq %d", refused.seq), "replayed 5 events"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("stderr lacks %q:\n%s", want, errOut)
			}
		}
	})

	t.Run("rate", func(t *testing.T) {
		begin := time.Now()
		code, out, errOut := replayCLI(t, "--broker", broker, "--since", t1, "--until", t2, "--rate", "50")
		took := time.Since(begin)
		n := len(replayedEvents(t, out))
		// At 50/s, with bursts of at most 5.
		if code != 0 || n != len(h.b) || took < time.Duration(n-5)*time.Second/50 {
			t.Errorf("exit %d: %d events in %v at --rate 50\n%s", code, n, took, errOut)
		}
	})

	t.Run("to a NATS subject", func(t *testing.T) {
		nc, err := natsgo.Connect(broker)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		js, _ := jetstream.New(nc)
		ctx := context.Background()
		if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "REPLAYED", Subjects: []string{"replayed.>"}}); err != nil {
			t.Fatal(err)
		}
		want := idsOf(all, func(e storedEvent) bool { return e.typ == "com.docker.dtr.tag.push" })
		// Into a stream, acknowledged.
		if code, _, errOut := replayCLI(t, "--broker", broker, "--type", "com.docker.dtr.tag.push", "--to", "nats:replayed.tags"); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var got []string
		for _, m := range natstest.ReadStream(t, broker, "REPLAYED", len(want)) {
			e, err := natssink.ToEvent(ctx, m)
			if err != nil || m.Subject != "replayed.tags" {
				t.Fatalf("%s: %v", m.Subject, err)
			}
			got = append(got, e.ID())
		}
		if !slices.Equal(got, want) {
			t.Errorf("stream REPLAYED holds %v, want %v", got, want)
		}
		// To plain subscribers.
		sub, err := nc.SubscribeSync("live.tags")
		if err != nil {
			t.Fatal(err)
		}
		nc.Flush()
		if code, _, errOut := replayCLI(t, "--broker", broker, "--type", "com.docker.dtr.tag.push", "--to", "nats:live.tags"); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		got = nil
		for range want {
			m, err := sub.NextMsg(5 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			e, _ := natssink.ToEvent(ctx, m)
			got = append(got, e.ID())
		}
		if !slices.Equal(got, want) {
			t.Errorf("subscriber got %v, want %v", got, want)
		}
		// Into the stream it reads: refused, naming it, unless forced.
		before := natsCount(t, broker, "HUBWIRE_EVENTS")
		code, _, errOut := replayCLI(t, "--broker", broker, "--type", "com.docker.dtr.tag.push", "--to", "nats:hubwire.events.again")
		if code == 0 || !strings.Contains(errOut, "HUBWIRE_EVENTS") || !strings.Contains(errOut, "--force") {
			t.Errorf("replay into the stream it reads: exit %d, %q; want a refusal naming the stream and --force", code, errOut)
		}
		if after := natsCount(t, broker, "HUBWIRE_EVENTS"); after != before {
			t.Errorf("the refused replay stored %d events in the stream it reads", after-before)
		}
		if code, _, errOut := replayCLI(t, "--broker", broker, "--type", "com.docker.dtr.tag.push", "--to", "nats:hubwire.events.again", "--force"); code != 0 {
			t.Fatalf("replay into the stream it reads with --force: exit %d: %s", code, errOut)
		}
		// (The events are minutes old: the stream's duplicate window drops
		// them; past it, they would be stored again.)
	})
}

// natsCount is how many messages stream holds.
func natsCount(t *testing.T, url, stream string) uint64 {
	t.Helper()
	nc, err := natsgo.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	s, err := js.Stream(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// ceReceiver is an HTTP service that takes CloudEvents in binary mode,
// decoded with the SDK's HTTP binding, answering as answer says (0: take
// it, 204).
type ceReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	ids      []string
	attempts int
	errs     []string
}

func newCEReceiver(t *testing.T, answer func(attempt int, e *event.Event) int) *ceReceiver {
	r := &ceReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		m := cehttp.NewMessageFromHttpRequest(req)
		enc := m.ReadEncoding()
		e, err := binding.ToEvent(req.Context(), m)
		r.mu.Lock()
		defer r.mu.Unlock()
		attempt := r.attempts
		r.attempts++
		if enc != binding.EncodingBinary || err != nil || req.Method != http.MethodPost {
			r.errs = append(r.errs, fmt.Sprintf("%s in encoding %v: %v", req.Method, enc, err))
			w.WriteHeader(http.StatusUnsupportedMediaType)
			return
		}
		if status := answer(attempt, e); status != 0 {
			w.WriteHeader(status)
			fmt.Fprint(w, "no thanks")
			return
		}
		r.ids = append(r.ids, e.ID())
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *ceReceiver) taken() ([]string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ids), r.attempts
}

func (r *ceReceiver) problems() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.errs)
}

func TestReplayKafka(t *testing.T) {
	const partitions = 3
	c := kafkaCluster(t, kfake.SeedTopics(partitions, "hubwire.events", "hubwire.replayed"))
	broker := kafkaBroker(c)
	inst := startHubwire(t, t.TempDir(), "--broker", broker)
	var endsOfA map[int]int64
	h := storeHistory(t, inst, func() { endsOfA = partitionEnds(t, c.ListenAddrs(), "hubwire.events", partitions) })
	all := h.all()
	t1, t2 := h.t1.Format(time.RFC3339Nano), h.t2.Format(time.RFC3339Nano)
	partitionOf := func(e storedEvent) int {
		return (&kafkago.Murmur2Balancer{Consistent: true}).Balance(kafkago.Message{Key: []byte(e.key)}, 0, 1, 2)
	}
	var offsets []string
	for p, end := range endsOfA {
		offsets = append(offsets, fmt.Sprintf("%d=%d", p, end))
	}

	t.Run("selects", func(t *testing.T) {
		cases := []struct {
			name string
			args []string
			want []string
		}{
			{"everything", nil, idsOf(all, nil)},
			{"since", []string{"--since", t1}, idsOf(slices.Concat(h.b, h.c), nil)},
			{"since and until", []string{"--since", t1, "--until", t2}, idsOf(h.b, nil)},
			{"until", []string{"--until", t1}, idsOf(h.a, nil)},
			{"offsets", []string{"--offset", strings.Join(offsets, ",")}, idsOf(slices.Concat(h.b, h.c), nil)},
			{"offsets until", []string{"--offset", strings.Join(offsets, ","), "--until", t2}, idsOf(h.b, nil)},
			{"one partition", []string{"--offset", fmt.Sprintf("1=%d", endsOfA[1])}, idsOf(slices.Concat(h.b, h.c), func(e storedEvent) bool { return partitionOf(e) == 1 })},
			{"nothing yet", []string{"--since", time.Now().Add(time.Hour).Format(time.RFC3339)}, nil},
		}
		cases = append(cases, selectionCases(h)...)
		for _, tc := range cases {
			// Each replay mostly waits on the brokers: run them together.
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				code, out, errOut := replayCLI(t, append([]string{"--broker", broker}, tc.args...)...)
				got := replayedEvents(t, out)
				// Across partitions the order is by time, and several
				// events share a millisecond; each repository's order is
				// exact.
				if code != 0 || !sameIDs(eventIDs(got), tc.want) {
					t.Errorf("exit %d, replayed %d events, want %d\n got %v\nwant %v\n%s", code, len(got), len(tc.want), eventIDs(got), tc.want, errOut)
				}
				if err := repositoryOrderKept(got, all); err != nil {
					t.Error(err)
				}
			})
		}
	})

	t.Run("to a Kafka topic", func(t *testing.T) {
		want := idsOf(h.b, nil)
		if code, _, errOut := replayCLI(t, "--broker", broker, "--since", t1, "--until", t2, "--to", "kafka:hubwire.replayed"); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		got := readTopicIDs(t, c.ListenAddrs(), "hubwire.replayed", partitions)
		if !sameIDs(got, want) {
			t.Errorf("hubwire.replayed holds %v, want %v", got, want)
		}
		if code, _, errOut := replayCLI(t, "--broker", broker, "--to", "kafka:no.such.topic"); code != 1 || !strings.Contains(errOut, "Kafka topic no.such.topic does not exist") {
			t.Errorf("to a missing topic: exit %d: %s", code, errOut)
		}
	})
}

// plural counts as the summary line does.
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// sameIDs compares ids as multisets: Kafka keeps every delivery, repeats
// included.
func sameIDs(got, want []string) bool {
	got, want = slices.Clone(got), slices.Clone(want)
	slices.Sort(got)
	slices.Sort(want)
	return slices.Equal(got, want)
}

// repositoryOrderKept checks that the events of each repository came in
// the order they were stored.
func repositoryOrderKept(got []event.Event, stored []storedEvent) error {
	// A repeated delivery is stored again: each copy takes the next
	// place its id has.
	places := map[string][]int{}
	for i, e := range stored {
		places[e.id] = append(places[e.id], i)
	}
	last := map[string]int{}
	for _, e := range got {
		key, _ := e.Extensions()["partitionkey"].(string)
		ps := places[e.ID()]
		if len(ps) == 0 {
			return fmt.Errorf("event %s came more often than it was stored", e.ID())
		}
		prev, ok := last[key]
		if !ok {
			prev = -1
		}
		// The earliest place after the repository's last one.
		i := slices.IndexFunc(ps, func(p int) bool { return p > prev })
		if i < 0 {
			return fmt.Errorf("event %s of %s came after stored #%d, which was stored later", e.ID(), key, prev)
		}
		last[key] = ps[i]
		places[e.ID()] = slices.Delete(ps, i, i+1)
	}
	return nil
}

// partitionEnds reads each partition's end offset.
func partitionEnds(t *testing.T, brokers []string, topic string, partitions int) map[int]int64 {
	t.Helper()
	client := &kafkago.Client{Addr: kafkago.TCP(brokers...)}
	var reqs []kafkago.OffsetRequest
	for p := range partitions {
		reqs = append(reqs, kafkago.LastOffsetOf(p))
	}
	resp, err := client.ListOffsets(context.Background(), &kafkago.ListOffsetsRequest{Topics: map[string][]kafkago.OffsetRequest{topic: reqs}})
	if err != nil {
		t.Fatal(err)
	}
	ends := map[int]int64{}
	for _, po := range resp.Topics[topic] {
		ends[po.Partition] = po.LastOffset
	}
	return ends
}

// readTopicIDs reads every record of topic and decodes it.
func readTopicIDs(t *testing.T, brokers []string, topic string, partitions int) []string {
	t.Helper()
	var ids []string
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for p, end := range partitionEnds(t, brokers, topic, partitions) {
		r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p, MaxWait: 100 * time.Millisecond})
		for off := int64(0); off < end; off++ {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			e, err := kafkasink.ToEvent(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, e.ID())
		}
		r.Close()
	}
	return ids
}
