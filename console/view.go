package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/internal/redact"
)

// row is one event in the list.
type row struct {
	ID, Registry, Type, Subject string
	// At is the time at the registry (or, when unknown, at hubwire).
	At         time.Time
	Stored     string
	Duplicates int
	Acks       int
	Outcome    string
	Link       string
}

func newRow(r *reply.Record) row {
	at := r.EventTime
	if at.IsZero() {
		at = r.Time()
	}
	return row{ID: r.ID, Registry: r.Source, Type: r.Type, Subject: r.Subject, At: at, Stored: where(r),
		Duplicates: r.Duplicates, Acks: len(r.Acks), Outcome: r.Callback.Outcome, Link: Prefix + "events/" + r.ID}
}

// where names the place the broker stored the event.
func where(r *reply.Record) string {
	s := r.Stored
	switch {
	case s.Stream == "":
		return ""
	case s.Broker == "kafka":
		return fmt.Sprintf("%s / partition %d / offset %d", s.Stream, s.Partition, s.Seq)
	}
	return fmt.Sprintf("%s #%d", s.Stream, s.Seq)
}

// detail is one event's page.
type detail struct {
	Rec     reply.Record
	Row     row
	Header  [][2]string
	Payload string
	// Attributes are the CloudEvent's attributes as published; Data its
	// data, indented.
	Attributes [][2]string
	Data       string
	Callback   string
	Attempts   []attempt
	CanRedo    bool
	RedoWhy    string
	Curl       string
}

type attempt struct {
	reply.Attempt
	Chain int
}

func newDetail(r reply.Record, publicURL string, redeliver bool) *detail {
	r = r.Public()
	d := &detail{Rec: r, Row: newRow(&r), Callback: r.CallbackURL}
	for k, v := range r.Header {
		d.Header = append(d.Header, [2]string{k, v})
	}
	slices.SortFunc(d.Header, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	var ev map[string]json.RawMessage
	if json.Unmarshal(r.Event, &ev) == nil {
		for k, v := range ev {
			if k == "data" || k == "data_base64" {
				continue
			}
			var s string
			if json.Unmarshal(v, &s) != nil {
				s = string(v)
			}
			d.Attributes = append(d.Attributes, [2]string{k, s})
		}
		slices.SortFunc(d.Attributes, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
		d.Data = indent(ev["data"])
		var data struct {
			Payload json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(ev["data"], &data) == nil && len(data.Payload) > 0 {
			d.Payload = indent(data.Payload)
		}
	}
	for _, a := range r.Callback.Attempts {
		d.Attempts = append(d.Attempts, attempt{a, a.Chain + 1})
	}
	switch {
	case !redeliver:
		d.RedoWhy = "Callbacks are off."
	case r.CallbackURL == "":
		d.RedoWhy = "This event has no callback_url."
	case r.Decision == nil:
		d.RedoWhy = "No ack has decided the callback yet."
	case r.Callback.Outcome == reply.OutcomeQueued || r.Callback.Outcome == reply.OutcomePosting:
		d.RedoWhy = "A callback is in flight."
	default:
		d.CanRedo = true
	}
	if d.Payload != "" {
		d.Curl = curl(publicURL, r.Source, d.Header, d.Payload)
	}
	return d
}

// curl is a command that sends the delivery again to a receiver. The
// token is left for the user to fill in: no page shows it.
func curl(publicURL, registry string, header [][2]string, body string) string {
	var b strings.Builder
	target := strings.TrimSuffix(publicURL, "/") + "/hooks/" + registry + "/$HUBWIRE_TOKEN"
	if publicURL == "" {
		target = "http://127.0.0.1:8080/hooks/" + registry + "/$HUBWIRE_TOKEN"
	}
	fmt.Fprintf(&b, "curl -sS -X POST \"%s\" \\\n", target)
	for _, h := range header {
		switch strings.ToLower(h[0]) {
		case "content-length", "accept-encoding", "connection", "user-agent", "x-forwarded-for":
			continue
		}
		fmt.Fprintf(&b, "  -H %s \\\n", shellQuote(h[0]+": "+h[1]))
	}
	fmt.Fprintf(&b, "  --data-binary %s", shellQuote(body))
	return b.String()
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func indent(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}

// funcs are the templates' helpers.
func funcs(clock func() time.Time) template.FuncMap {
	return template.FuncMap{
		"ago":   func(t time.Time) string { return ago(clock(), t) },
		"exact": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000 UTC") },
		"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) },
		"hhmm":  func(t time.Time) string { return t.UTC().Format("15:04") },
		"short": shortType,
		"ms":    func(d time.Duration) string { return d.Round(time.Millisecond).String() },
		"mask":  func(s string) string { return redact.HostOr(s, "…") },
		"outcomeWord": func(o string) string {
			if w, ok := outcomeWords[o]; ok {
				return w
			}
			return o
		},
		"statusClass": statusClass,
		"jobClass":    jobClass,
		"add":         func(a, b int) int { return a + b },
		"sub":         func(a, b int) int { return a - b },
	}
}

var outcomeWords = map[string]string{
	reply.OutcomeNone:    "no callback",
	reply.OutcomeWaiting: "waiting for ack",
	reply.OutcomeQueued:  "queued",
	reply.OutcomePosting: "posting",
	reply.OutcomeSent:    "callback sent",
	reply.OutcomeFailed:  "callback failed",
	reply.OutcomeRefused: "callback refused",
}

// statusClass colours an outcome or an HTTP status; the page always says
// the word too.
func statusClass(v any) string {
	switch x := v.(type) {
	case string:
		switch x {
		case reply.OutcomeSent, reply.Success:
			return "ok"
		case reply.OutcomeFailed, reply.OutcomeRefused, reply.Failure, reply.Error:
			return "bad"
		case reply.OutcomeWaiting, reply.OutcomeQueued, reply.OutcomePosting:
			return "wait"
		}
	case int:
		switch {
		case x >= 200 && x < 300:
			return "ok"
		case x == 0 || x >= 400:
			return "bad"
		}
		return "wait"
	}
	return "none"
}

// shortType drops the reverse-DNS prefix a registry's types share, for a
// narrow column: com.docker.dtr.tag.push → dtr.tag.push.
func shortType(t string) string {
	for _, p := range []string{"com.docker.", "io.goharbor.", "io.cncf.", "io.azurecr.", "io.quay.", "com.github."} {
		if s, ok := strings.CutPrefix(t, p); ok {
			return s
		}
	}
	return t
}

// ago says how long before now t was, in a word or two.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < 10*time.Second:
		return "just now"
	case d < time.Minute:
		s = fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		s = fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		s = fmt.Sprintf("%dh", int(d.Hours()))
	case d > 60*24*time.Hour:
		return t.UTC().Format("2 Jan 2006")
	default:
		s = fmt.Sprintf("%dd", int(d.Hours()/24))
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// jobClass colours a replay job's state; the page says the word too.
func jobClass(state string) string {
	switch state {
	case "done":
		return "ok"
	case "failed":
		return "bad"
	case "running", "cancelling":
		return "wait"
	}
	return "none"
}
