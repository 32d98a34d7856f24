package reply

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/sinks"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func record(required ...string) Record {
	return NewRecord("0123456789abcdef0123456789abcdef", "com.docker.hub.push", "dockerhub", "a/b:1", "https://registry.hub.docker.com/u/a/b/hook/x/", sinks.Receipt{}, required, 30*time.Minute, t0)
}

func ack(consumer, state, desc string) Ack {
	return Ack{EventID: "0123456789abcdef0123456789abcdef", Consumer: consumer, State: state, Description: desc, Context: consumer + " ctx", TargetURL: "https://" + consumer + ".example/r"}
}

func TestFirstAckDecides(t *testing.T) {
	r := record()
	r.AddAck(ack("ci", Failure, "2 tests failed"), 1, t0)
	r.AddAck(ack("scanner", Success, "clean"), 2, t0)
	if r.Decision == nil || r.Decision.State != Failure || r.Decision.Description != "2 tests failed" || r.Decision.TargetURL != "https://ci.example/r" || r.Callback.Outcome != OutcomeQueued {
		t.Errorf("decision %+v outcome %s", r.Decision, r.Callback.Outcome)
	}
	if len(r.Acks) != 2 {
		t.Errorf("acks %d", len(r.Acks))
	}
}

func TestSameAckTwiceRecordedOnce(t *testing.T) {
	r := record()
	if !r.AddAck(ack("ci", Success, ""), 7, t0) || r.AddAck(ack("ci", Success, ""), 7, t0) {
		t.Error("the same ack (same stream sequence) changed the record twice")
	}
}

func TestRequiredConsumers(t *testing.T) {
	r := record("ci", "scanner")
	r.AddAck(ack("ci", Success, "387 tests PASSED"), 1, t0)
	r.AddAck(ack("docs", Failure, "not required"), 2, t0)
	if r.Decision != nil {
		t.Fatalf("decided before every required consumer answered: %+v", r.Decision)
	}
	r.AddAck(ack("scanner", Success, "no critical"), 3, t0)
	d := r.Decision
	if d == nil || d.State != Success || d.Description != "ci: 387 tests PASSED; scanner: no critical" || d.Context != "hubwire: ci, scanner" || d.TargetURL != "https://ci.example/r" {
		t.Errorf("decision %+v", d)
	}

	r = record("ci", "scanner")
	r.AddAck(ack("ci", Success, "ok"), 1, t0)
	r.AddAck(ack("scanner", Error, "scanner crashed"), 2, t0)
	if d := r.Decision; d == nil || d.State != Error || d.Description != "scanner: scanner crashed" {
		t.Errorf("decision %+v", d)
	}

	r = record("ci", "scanner")
	long := strings.Repeat("x", 200)
	r.AddAck(ack("ci", Success, long), 1, t0)
	r.AddAck(ack("scanner", Success, long), 2, t0)
	if n := len([]rune(r.Decision.Description)); n != MaxDescription {
		t.Errorf("summary of %d characters", n)
	}
}

func TestTimeout(t *testing.T) {
	r := record("ci", "scanner")
	r.AddAck(ack("ci", Success, "ok"), 1, t0)
	if r.Timeout(t0.Add(29 * time.Minute)) {
		t.Fatal("decided before the deadline")
	}
	if !r.Timeout(t0.Add(31*time.Minute)) || r.Decision.State != Error || r.Decision.Description != "no answer from scanner within 30m0s" {
		t.Errorf("decision %+v", r.Decision)
	}
	if r.Timeout(t0.Add(40 * time.Minute)) {
		t.Error("decided twice")
	}
}

func TestNoCallbackURLNoDecision(t *testing.T) {
	r := NewRecord("0123456789abcdef0123456789abcdef", "com.docker.dtr.tag.push", "dtr", "a/b:1", "", sinks.Receipt{}, nil, time.Minute, t0)
	r.AddAck(ack("ci", Success, ""), 1, t0)
	if r.Decision != nil || r.Callback.Outcome != OutcomeNone || len(r.Acks) != 1 {
		t.Errorf("record %+v", r)
	}
}

func TestPublicHidesTheCallbackURL(t *testing.T) {
	if got := record().Public().CallbackURL; got != "https://registry.hub.docker.com/…" {
		t.Errorf("public callback URL %q", got)
	}
}

// An ack can overtake its event's receipt (the record is written while
// the event is published): the receipt then takes the acks the record
// already holds, and they decide.
func TestReceiptAfterTheAcks(t *testing.T) {
	r := NewAckRecord("0123456789abcdef0123456789abcdef")
	r.AddAck(ack("ci", Failure, "2 tests failed"), 1, t0)
	if r.Decision != nil || r.Callback.Outcome != OutcomeNone || !r.ReceivedAt.IsZero() {
		t.Fatalf("a record started by an ack decided, or claims a receipt: %+v", r)
	}
	if !r.TakeReceipt(record(), t0) {
		t.Fatal("the receipt did not change a record started by an ack")
	}
	if r.CallbackURL == "" || r.ReceivedAt != t0 || len(r.Acks) != 1 {
		t.Errorf("receipt not taken, or acks lost: %+v", r)
	}
	if r.Decision == nil || r.Decision.State != Failure || r.Callback.Outcome != OutcomeQueued {
		t.Errorf("the ack that came first did not decide: %+v, outcome %s", r.Decision, r.Callback.Outcome)
	}
	// A repeated delivery is counted, and changes nothing else.
	before := r.Clone()
	if !r.TakeReceipt(record("ci"), t0.Add(time.Minute)) || len(r.Required) != 0 || r.Duplicates != 1 || r.ReceivedAt != before.ReceivedAt || *r.Decision != *before.Decision {
		t.Errorf("a repeated delivery: %+v", r)
	}

	// With required consumers, the acks so far count toward the set.
	r = NewAckRecord("0123456789abcdef0123456789abcdef")
	r.AddAck(ack("ci", Success, "ok"), 1, t0)
	r.TakeReceipt(record("ci", "scanner"), t0)
	if r.Decision != nil || r.Callback.Outcome != OutcomeWaiting || r.Deadline != t0.Add(30*time.Minute) {
		t.Fatalf("decided without the scanner: %+v", r)
	}
	r.AddAck(ack("scanner", Success, "clean"), 2, t0)
	if r.Decision == nil || r.Decision.State != Success {
		t.Errorf("decision %+v", r.Decision)
	}
}

func TestCloneSharesNothingThatChanges(t *testing.T) {
	r := record()
	r.AddAck(ack("ci", Success, "ok"), 1, t0)
	c := r.Clone()
	c.AddAck(ack("scanner", Success, "clean"), 2, t0)
	c.Decision.State = Failure
	c.Callback.Attempts = append(c.Callback.Attempts, Attempt{Status: 200})
	if len(r.Acks) != 1 || r.Decision.State != Success || len(r.Callback.Attempts) != 0 {
		t.Errorf("changing the clone changed the record: %+v", r)
	}
}

// Records written before attempts' errors left the URL out still show
// none of it.
func TestPublicHidesTheCallbackURLEverywhere(t *testing.T) {
	r := record()
	r.Callback.Note = "about " + r.CallbackURL
	r.Callback.Attempts = []Attempt{{Error: `Post "` + r.CallbackURL + `": dial tcp: i/o timeout`}}
	p := r.Public()
	if p.Callback.Note != "about https://registry.hub.docker.com/…" || p.Callback.Attempts[0].Error != `Post "https://registry.hub.docker.com/…": dial tcp: i/o timeout` {
		t.Errorf("public %+v", p.Callback)
	}
	if !strings.Contains(r.Callback.Attempts[0].Error, "/hook/") {
		t.Error("Public changed the record it was given")
	}
	if got := (Record{CallbackURL: "/u/a/b/hook/x/"}).Public().CallbackURL; got != "…" {
		t.Errorf("a relative callback URL shows as %q", got)
	}
}

// A record is written beside the publish, before the broker says where
// the event landed: its position and whether it was a duplicate are
// unknown, and must not read as facts ("seq":0,"duplicate":false).
func TestRecordOmitsWhatItDoesNotKnow(t *testing.T) {
	rec := NewRecord("id-1", "t", "s", "", "https://cb.example/x", sinks.Receipt{Broker: "nats", Stream: "HUBWIRE_EVENTS"}, nil, time.Minute, time.Now())
	b, err := json.Marshal(rec.Public())
	if err != nil {
		t.Fatal(err)
	}
	for _, unknown := range []string{`"seq"`, `"duplicate"`} {
		if strings.Contains(string(b), unknown) {
			t.Errorf("the record shows %s, which it does not know: %s", unknown, b)
		}
	}
	if !strings.Contains(string(b), `"stored":{"broker":"nats","stream":"HUBWIRE_EVENTS"}`) {
		t.Errorf("the record does not name where the event is stored: %s", b)
	}
}

// TestDestinationOnceLocated: read back from its stream, an event's
// position is shown whole, Kafka's first partition and offset (0 and 0)
// included; NATS has no partition.
func TestDestinationOnceLocated(t *testing.T) {
	for _, c := range []struct {
		d    Destination
		want string
	}{
		{Destination{Broker: "kafka", Stream: "hubwire.events"}, `{"broker":"kafka","stream":"hubwire.events"}`},
		{Destination{Broker: "kafka", Stream: "hubwire.events", Located: true}, `{"broker":"kafka","stream":"hubwire.events","partition":0,"seq":0}`},
		{Destination{Broker: "kafka", Stream: "hubwire.events", Partition: 2, Seq: 9, Located: true}, `{"broker":"kafka","stream":"hubwire.events","partition":2,"seq":9}`},
		{Destination{Broker: "nats", Stream: "HUBWIRE_EVENTS", Seq: 1, Located: true}, `{"broker":"nats","stream":"HUBWIRE_EVENTS","seq":1}`},
	} {
		b, err := json.Marshal(Record{Stored: c.d}.Stored)
		if err != nil || string(b) != c.want {
			t.Errorf("%+v: %s %v, want %s", c.d, b, err, c.want)
		}
	}
}

// FuzzDestinationJSON: a Destination's JSON, written by hand, is what
// encoding/json writes of its fields while its place is unknown (the
// stored records), and adds Kafka's partition and any sequence, 0
// included, once it is known.
func FuzzDestinationJSON(f *testing.F) {
	f.Add("kafka", "hubwire.events", 0, uint64(0), true)
	f.Add("nats", "HUBWIRE_EVENTS", 0, uint64(12), false)
	f.Add("kafka", "t\"<&>\u2028é\xff", 3, uint64(1)<<63, false)
	f.Fuzz(func(t *testing.T, broker, stream string, partition int, seq uint64, located bool) {
		d := Destination{Broker: broker, Stream: stream, Partition: partition, Seq: seq, Located: located}
		got, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(struct {
			Broker    string  `json:"broker"`
			Stream    string  `json:"stream"`
			Partition *int    `json:"partition,omitempty"`
			Seq       *uint64 `json:"seq,omitempty"`
		}{broker, stream, known(partition != 0 || located && broker == "kafka", partition), known(seq != 0 || located, seq)})
		if err != nil || string(got) != string(want) {
			t.Fatalf("%+v:\n got %s\nwant %s (%v)", d, got, want, err)
		}
	})
}

// known is &v when ok, else nil.
func known[T any](ok bool, v T) *T {
	if !ok {
		return nil
	}
	return &v
}

// TestAuditIsBoundedAndKeptByTheReceipt: a record keeps the newest
// MaxAudit entries, and one an audit started takes the receipt that comes
// later without losing them.
func TestAuditIsBoundedAndKeptByTheReceipt(t *testing.T) {
	listed := Record{ID: "e1", Type: "com.docker.hub.push", Source: "dockerhub", Subject: "acme/api:1", ReceivedAt: time.Now(), Stored: Destination{Broker: "nats", Stream: "HUBWIRE_EVENTS", Seq: 7}}
	r := listed.Bare()
	if !r.ReceivedAt.IsZero() || r.Stored.Seq != 0 || r.Type != listed.Type {
		t.Fatalf("bare %+v", r)
	}
	for i := range MaxAudit + 3 {
		r.Note(AuditEntry{Action: "replay", Detail: fmt.Sprint(i)})
	}
	if len(r.Audit) != MaxAudit || r.Audit[0].Detail != "3" {
		t.Fatalf("audit %d entries, first %q", len(r.Audit), r.Audit[0].Detail)
	}
	got := NewRecord("e1", listed.Type, "dockerhub", listed.Subject, "https://registry.hub.docker.com/x", sinks.Receipt{Broker: "nats", Stream: "HUBWIRE_EVENTS"}, nil, time.Minute, time.Now())
	if !r.TakeReceipt(got, time.Now()) || r.ReceivedAt.IsZero() || r.CallbackURL == "" || len(r.Audit) != MaxAudit || r.Duplicates != 0 {
		t.Errorf("after the receipt: %+v", r)
	}
}
