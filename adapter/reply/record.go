package reply

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hubwire/hubwire/internal/rawjson"
	"github.com/hubwire/hubwire/internal/redact"
	"github.com/hubwire/hubwire/sinks"
)

// Record is what hubwire knows of one event's delivery: where it was
// stored, the acks that came, the decision, and each callback attempt.
// It is Docker Hub's "View History" for the event.
//
// An event with a callback_url is recorded when it is received, beside
// its publish (the record keeps the URL, which never leaves hubwire); any
// other event only at its first ack, so that the bulk of a registry's
// traffic (DTR pulls, which no one answers) costs one write to the broker,
// not two. History completes a record with what the events stream holds
// (where, when, the event as published), and lists the events that have
// none from the stream alone. An ack can come before the record is
// written: it starts a record without a receipt (ReceivedAt zero), which
// the receipt then completes.
type Record struct {
	ID         string    `json:"id"`
	Type       string    `json:"type,omitempty"`
	Source     string    `json:"source,omitempty"`
	Subject    string    `json:"subject,omitempty"`
	ReceivedAt time.Time `json:"received_at,omitzero"`
	// EventTime is when it happened at the registry (the event's time).
	EventTime time.Time `json:"event_time,omitzero"`
	// Stored says where the broker stored the event: stream and sequence,
	// or topic, partition and offset. The record in the bucket is written
	// beside the publish, before the broker answers, so it has no
	// sequence; History fills it in from the stream.
	Stored Destination `json:"stored,omitzero"`
	// Duplicates counts the deliveries of the event after the first,
	// which the broker recognised and stored nothing for.
	Duplicates int `json:"duplicates,omitempty"`
	// Header is the delivery's headers that hold no secret.
	Header map[string]string `json:"header,omitempty"`
	// Event is the CloudEvent as published, in the structured JSON form;
	// its data holds the delivery's body as received (data.payload).
	Event json.RawMessage `json:"event,omitempty"`
	// Audit lists what people did to the event from the console or the
	// API: callbacks redelivered, replays.
	Audit []AuditEntry `json:"audit,omitempty"`
	// CallbackURL is a capability (whoever holds it answers for the
	// sender); it leaves hubwire only in the callback itself.
	CallbackURL string    `json:"callback_url,omitempty"`
	Required    []string  `json:"required_consumers,omitempty"`
	Deadline    time.Time `json:"deadline,omitzero"`
	Acks        []AckSeen `json:"acks,omitempty"`
	Decision    *Decision `json:"decision,omitempty"`
	Callback    Callback  `json:"callback"`
	// Next, set by a History that lists a Kafka topic, is where a list
	// ending with this record goes on: the offset of each partition the
	// next page reads below (Query.Offsets). It is not stored.
	Next map[int]int64 `json:"-"`
}

// Destination is where an event is stored. The record is written beside
// the publish (or the spool's forward), before the broker answers, so it
// holds no sequence and no duplicate flag: unknown, they are left out
// rather than shown as 0 and false.
type Destination struct {
	Broker string `json:"broker"`
	Stream string `json:"stream"`
	// Partition and Seq (the stream sequence or the Kafka offset) are
	// known only once the event is read back from the stream.
	Partition int    `json:"partition,omitempty"`
	Seq       uint64 `json:"seq,omitempty"`
	// Located is set when the event was read back from the stream, so
	// that Partition and Seq are known even when 0 (Kafka's first
	// partition and offset). It is not stored.
	Located bool `json:"-"`
}

// MarshalJSON leaves out Partition and Seq while they are unknown, and
// writes them, 0 or not, once they are known; a NATS stream has no
// partition. Written by hand, since every record write encodes one:
// encoding/json called from here would reflect over it a second time.
func (d Destination) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 64)
	b = append(b, `{"broker":`...)
	b = rawjson.AppendString(b, d.Broker)
	b = append(b, `,"stream":`...)
	b = rawjson.AppendString(b, d.Stream)
	if d.Partition != 0 || (d.Located && d.Broker == "kafka") {
		b = append(b, `,"partition":`...)
		b = strconv.AppendInt(b, int64(d.Partition), 10)
	}
	if d.Seq != 0 || d.Located {
		b = append(b, `,"seq":`...)
		b = strconv.AppendUint(b, d.Seq, 10)
	}
	return append(b, '}'), nil
}

// AuditEntry is one thing done to an event by hand.
type AuditEntry struct {
	At time.Time `json:"at"`
	// Action is "redeliver" or "replay".
	Action string `json:"action"`
	Detail string `json:"detail,omitempty"`
}

// AckSeen is an ack as it was taken.
type AckSeen struct {
	Ack
	At time.Time `json:"at"`
	// Seq is the ack's position in the acks stream, so that an ack
	// processed twice (after a crash) is recorded once.
	Seq uint64 `json:"seq,omitempty"`
}

// Decision is the callback the chain policy settled on.
type Decision struct {
	State       string    `json:"state"`
	Description string    `json:"description,omitempty"`
	Context     string    `json:"context,omitempty"`
	TargetURL   string    `json:"target_url,omitempty"`
	At          time.Time `json:"at"`
	// Why says what decided: an ack, all required acks, or the timeout.
	Why string `json:"why"`
}

// Callback outcomes.
const (
	OutcomeNone    = "none"    // the event has no callback_url
	OutcomeWaiting = "waiting" // no decision yet
	OutcomeQueued  = "queued"  // decided, not yet posted
	OutcomePosting = "posting" // a replica is posting it
	OutcomeSent    = "sent"    // the sender answered 2xx
	OutcomeFailed  = "failed"  // a final answer other than 2xx, or out of attempts
	OutcomeRefused = "refused" // callback_url is not on the allowlist: never contacted
)

// Callback is the state of the event's callback.
type Callback struct {
	Outcome  string    `json:"outcome"`
	Attempts []Attempt `json:"attempts,omitempty"`
	Note     string    `json:"note,omitempty"`
	// ClaimedAt is when a replica last said it is posting.
	ClaimedAt time.Time `json:"claimed_at,omitzero"`
	// Chain counts the redeliveries: the attempts of the first chain
	// have Chain 0, those of the first redelivery 1.
	Chain int `json:"chain,omitempty"`
}

// Attempt is one POST of the callback.
type Attempt struct {
	At       time.Time     `json:"at"`
	Status   int           `json:"status,omitempty"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration_ns"`
	// Response is the start of the answer's body.
	Response string `json:"response,omitempty"`
	// NextAt is when the next attempt is due, when there is one.
	NextAt time.Time `json:"next_at,omitzero"`
	// Chain is the Callback.Chain the attempt belongs to.
	Chain int `json:"chain,omitempty"`
}

// NewRecord starts the record of an event just stored.
func NewRecord(id, typ, source, subject, callbackURL string, stored sinks.Receipt, required []string, ackTimeout time.Duration, now time.Time) Record {
	r := Record{ID: id, Type: typ, Source: source, Subject: subject, ReceivedAt: now, Stored: Destination{Broker: stored.Broker, Stream: stored.Stream}, CallbackURL: callbackURL, Callback: Callback{Outcome: OutcomeNone}}
	if callbackURL != "" {
		r.Callback.Outcome = OutcomeWaiting
		r.Required = required
		if len(required) > 0 {
			r.Deadline = now.Add(ackTimeout)
		}
	}
	return r
}

// RecordOf starts the record of an event the broker is storing (where
// says where): what NewRecord keeps, plus the event's time and the
// delivery's headers. The event itself is read from the events stream
// or topic.
func RecordOf(d sinks.Entry, where sinks.Receipt, required []string, ackTimeout time.Duration, now time.Time) Record {
	e := d.Event
	r := NewRecord(e.ID(), e.Type(), d.Source, e.Subject(), d.CallbackURL, where, required, ackTimeout, now)
	r.EventTime = e.Time()
	r.Header = d.Header
	if where.Duplicate {
		// The first delivery's record was not written: this one is.
		r.Duplicates = 1
	}
	return r
}

// MaxAudit bounds the audit entries a record keeps, the newest: an event
// replayed again and again keeps a record of bounded size.
const MaxAudit = 50

// Note adds e to r's audit, keeping the newest MaxAudit entries.
func (r *Record) Note(e AuditEntry) {
	r.Audit = append(r.Audit, e)
	if n := len(r.Audit) - MaxAudit; n > 0 {
		r.Audit = append([]AuditEntry(nil), r.Audit[n:]...)
	}
}

// Bare is the record to start for r's event when it has none and is
// audited: what r says of the event, without its receipt (a record with
// one would take no later receipt), acks, callback or the event itself.
func (r *Record) Bare() Record {
	return Record{ID: r.ID, Type: r.Type, Source: r.Source, Subject: r.Subject, EventTime: r.EventTime,
		Stored: Destination{Broker: r.Stored.Broker, Stream: r.Stored.Stream}, Callback: Callback{Outcome: OutcomeNone}}
}

// NewAckRecord starts the record of an event at its first ack.
func NewAckRecord(id string) Record {
	return Record{ID: id, Callback: Callback{Outcome: OutcomeNone}}
}

// Complete fills r from the broker's copy of its event, from (what a
// stream or topic says of it): where it is stored always, and its receipt,
// type, source, subject and time where r has none.
func (r *Record) Complete(from Record) {
	r.Stored = from.Stored
	if r.ReceivedAt.IsZero() {
		r.ReceivedAt = from.ReceivedAt
	}
	if r.Type == "" {
		r.Type = from.Type
	}
	if r.Source == "" {
		r.Source = from.Source
	}
	if r.Subject == "" {
		r.Subject = from.Subject
	}
	if r.EventTime.IsZero() {
		r.EventTime = from.EventTime
	}
}

// Clone is a copy of r that shares nothing with it that changes, for a
// change to be made on the copy and kept only once it is written.
func (r *Record) Clone() Record {
	c := *r
	c.Acks = slices.Clone(r.Acks)
	c.Callback.Attempts = slices.Clone(r.Callback.Attempts)
	c.Audit = slices.Clone(r.Audit)
	if r.Decision != nil {
		d := *r.Decision
		c.Decision = &d
	}
	return c
}

// TakeReceipt takes got, the record of an event just received, into r. A
// record its acks started (they can overtake the receipt) takes the
// receipt and keeps its acks, which may then decide the callback; a
// received record is kept as it is, but for the repeated delivery, which
// is counted. It reports whether r changed.
func (r *Record) TakeReceipt(got Record, now time.Time) bool {
	if !r.ReceivedAt.IsZero() {
		// A second receipt is the delivery repeated (the record is
		// written beside the publish, before the broker says whether it
		// is a duplicate): counted.
		r.Duplicates++
		return true
	}
	acks, audit := r.Acks, r.Audit
	*r = got
	r.Acks, r.Audit = acks, audit
	if len(acks) > 0 {
		r.settle(now)
	}
	return true
}

// Public is the record as the API shows it: the callback URL reduced to
// its host, wherever it appears (an attempt's error, as Go's HTTP client
// words it, names the URL; records written before Poster left it out of
// them may hold it).
func (r Record) Public() Record {
	if r.CallbackURL == "" {
		return r
	}
	public := publicURL(r.CallbackURL)
	r.Callback.Note = strings.ReplaceAll(r.Callback.Note, r.CallbackURL, public)
	r.Callback.Attempts = slices.Clone(r.Callback.Attempts)
	for i := range r.Callback.Attempts {
		r.Callback.Attempts[i].Error = strings.ReplaceAll(r.Callback.Attempts[i].Error, r.CallbackURL, public)
	}
	r.CallbackURL = public
	return r
}

// publicURL is a callback URL as hubwire shows it, in the API and in
// logs: its scheme and host. The rest is a capability (whoever holds it
// answers for the sender), and a URL that cannot be read shows nothing.
func publicURL(raw string) string {
	if h, ok := redact.Host(raw); ok {
		return h + "/…"
	}
	return "…"
}

// Time is when hubwire first knew of the event: its receipt, or for a
// record an ack started, that ack. Lists of records are ordered by it.
func (r *Record) Time() time.Time {
	if r.ReceivedAt.IsZero() && len(r.Acks) > 0 {
		return r.Acks[0].At
	}
	return r.ReceivedAt
}

// LastChange is when the record was last written to, as far as its
// fields tell: the latest of its receipt, acks, decision, claim and
// callback attempts. Retention counts from it, as JetStream's TTL counts
// from a key's last write.
func (r *Record) LastChange() time.Time {
	t := r.ReceivedAt
	later := func(u time.Time) {
		if u.After(t) {
			t = u
		}
	}
	for _, a := range r.Acks {
		later(a.At)
	}
	if r.Decision != nil {
		later(r.Decision.At)
	}
	later(r.Callback.ClaimedAt)
	for _, a := range r.Callback.Attempts {
		later(a.At.Add(a.Duration))
	}
	return t
}

// Repository is the repository part of the event's subject
// ("<repository>:<tag>", "<repository>@<digest>" or the repository
// alone); empty for a record with no subject (one an ack started).
func (r *Record) Repository() string {
	s := r.Subject
	if repo, _, ok := strings.Cut(s, "@"); ok {
		return repo
	}
	// A tag follows the last colon after the last slash; a colon before
	// it is a registry host's port.
	if i := strings.LastIndexByte(s, ':'); i > strings.LastIndexByte(s, '/') {
		return s[:i]
	}
	return s
}

// Tag is the tag of the event's subject ("<repository>:<tag>"); empty
// when it names none.
func (r *Record) Tag() string {
	s, _, _ := strings.Cut(r.Subject, "@")
	if i := strings.LastIndexByte(s, ':'); i > strings.LastIndexByte(s, '/') {
		return s[i+1:]
	}
	return ""
}

// AddAck records a and, if the chain policy is settled by it, the
// decision. seq is the ack's position in the broker (0 when unknown), so
// that an ack processed twice is recorded once. It reports whether the
// record changed.
func (r *Record) AddAck(a Ack, seq uint64, now time.Time) bool {
	for _, seen := range r.Acks {
		if seq != 0 && seen.Seq == seq {
			return false
		}
	}
	r.Acks = append(r.Acks, AckSeen{Ack: a, At: now, Seq: seq})
	r.settle(now)
	return true
}

// settle takes the decision the acks so far make, if they make one and
// there is a callback to post.
func (r *Record) settle(now time.Time) {
	if r.Decision == nil && r.CallbackURL != "" {
		if d := decide(r.Required, r.Acks, now); d != nil {
			r.Decision = d
			r.Callback.Outcome = OutcomeQueued
		}
	}
}

// Timeout decides error for an event whose required consumers did not all
// answer by the deadline. It reports whether it decided.
func (r *Record) Timeout(now time.Time) bool {
	if r.Decision != nil || r.CallbackURL == "" || r.Deadline.IsZero() || now.Before(r.Deadline) {
		return false
	}
	missing := missingConsumers(r.Required, r.Acks)
	r.Decision = &Decision{
		State:       Error,
		Description: clip(fmt.Sprintf("no answer from %s within %v", strings.Join(missing, ", "), r.Deadline.Sub(r.ReceivedAt).Round(time.Second)), MaxDescription),
		Context:     "hubwire",
		At:          now,
		Why:         "ack timeout",
	}
	r.Callback.Outcome = OutcomeQueued
	return true
}

// decide applies the chain policy: with no required consumers the first
// ack decides; with a required set, the first failure or error of one of
// them decides that state, and success of all of them decides success.
func decide(required []string, acks []AckSeen, now time.Time) *Decision {
	if len(required) == 0 {
		a := acks[0]
		return &Decision{State: a.State, Description: a.Description, Context: a.Context, TargetURL: a.TargetURL, At: now, Why: "first ack, from " + a.Consumer}
	}
	latest := map[string]AckSeen{}
	for _, a := range acks {
		if !slices.Contains(required, a.Consumer) {
			continue
		}
		if a.State != Success {
			return &Decision{State: a.State, Description: clip(a.Consumer+": "+a.Description, MaxDescription), Context: clip(a.Context, MaxContext),
				TargetURL: a.TargetURL, At: now, Why: a.State + " from required consumer " + a.Consumer}
		}
		latest[a.Consumer] = a
	}
	if len(latest) < len(required) {
		return nil
	}
	var descs []string
	target := ""
	for _, c := range required {
		a := latest[c]
		descs = append(descs, c+": "+cmp.Or(a.Description, "success"))
		target = cmp.Or(target, a.TargetURL)
	}
	return &Decision{State: Success, Description: clip(strings.Join(descs, "; "), MaxDescription),
		Context: clip("hubwire: "+strings.Join(required, ", "), MaxContext), TargetURL: target, At: now, Why: "all required consumers succeeded"}
}

func missingConsumers(required []string, acks []AckSeen) []string {
	var missing []string
	for _, c := range required {
		if !slices.ContainsFunc(acks, func(a AckSeen) bool { return a.Consumer == c }) {
			missing = append(missing, c)
		}
	}
	return missing
}

// clip shortens s to at most n characters, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Why a callback cannot be redelivered.
var (
	ErrNoCallback = errors.New("the event has no callback_url: there is no callback to redeliver")
	ErrUndecided  = errors.New("the callback is not decided yet: no ack has settled it")
	ErrInFlight   = errors.New("the callback is being posted: wait for its outcome before redelivering it")
)

// Redeliver starts a new chain of attempts of the decided callback, as
// asked by who; never while one is queued or being posted, so that one
// callback is in flight at a time. The chain is audited in the record.
func (r *Record) Redeliver(who string, now time.Time) error {
	switch {
	case r.CallbackURL == "":
		return ErrNoCallback
	case r.Decision == nil:
		return ErrUndecided
	case r.Callback.Outcome == OutcomeQueued || r.Callback.Outcome == OutcomePosting:
		return ErrInFlight
	}
	r.Callback.Chain++
	r.Callback.Outcome, r.Callback.Note, r.Callback.ClaimedAt = OutcomeQueued, "", time.Time{}
	r.Note(AuditEntry{At: now, Action: "redeliver", Detail: fmt.Sprintf("callback chain %d started by %s", r.Callback.Chain+1, cmp.Or(who, "an operator"))})
	return nil
}
