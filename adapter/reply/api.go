package reply

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hubwire/hubwire/internal/when"
)

// ErrNoRecord is the answer for an event hubwire has no record of.
var ErrNoRecord = errors.New("no such event")

// Limits of a list the API answers.
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
)

// API serves the delivery records over HTTP (the receiver checks the
// token first):
//
//   - GET /api/events/<id>: the event's record: when it was received,
//     where it was stored, the acks, the decision and each callback
//     attempt (see Record for which events have one).
//   - GET /api/events?registry=&type=&repository=&tag=&since=&until=&outcome=&q=&limit=&cursor=:
//     the records those select (see Query), newest first, as
//     {"events": [...], "next": "<cursor>"}; since and until take a
//     time (RFC 3339, or a date) or a duration back from now (30m, 2h, 7d);
//     q is free text over the id, subject and event (payload included);
//     limit is 100 unless given, at most 1000; next, present when older
//     records matched too, is the cursor of the next page ("more" says
//     the same as a boolean).
//
// Records are shown with Public: no callback URL leaves hubwire.
type API struct {
	History History
}

// ServeHTTP implements http.Handler.
func (a API) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	id, ok := strings.CutPrefix(req.URL.Path, "/api/events/")
	if req.URL.Path == "/api/events" {
		id, ok = "", true
	}
	if !ok || strings.Contains(id, "/") {
		writeError(w, http.StatusNotFound, "not found; try /api/events or /api/events/<event id>")
		return
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "use GET")
		return
	}
	if id == "" {
		a.list(w, req)
		return
	}
	rec, err := a.History.Get(req.Context(), id)
	switch {
	case errors.Is(err, ErrNoRecord):
		writeError(w, http.StatusNotFound, "no record of event "+id+": hubwire records an event with a callback_url when it receives it, any other at its first ack; any event still in the events stream (NATS) or topic (Kafka) is found there")
	case err != nil:
		unavailable(w, "reading the record: ", err)
	default:
		json.NewEncoder(w).Encode(rec.Public())
	}
}

// list answers GET /api/events.
func (a API) list(w http.ResponseWriter, req *http.Request) {
	q, err := ParseQuery(req.URL.Query(), time.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	// One more than asked tells whether there are more.
	limit := q.Limit
	q.Limit++
	recs, err := a.History.List(req.Context(), q)
	if err != nil {
		unavailable(w, "reading the records: ", err)
		return
	}
	more := len(recs) > limit
	next := ""
	if more {
		recs = recs[:limit]
		next = Cursor(&recs[limit-1])
	}
	public := make([]Record, len(recs))
	for i, r := range recs {
		public[i] = r.Public()
	}
	json.NewEncoder(w).Encode(struct {
		Events []Record `json:"events"`
		Next   string   `json:"next,omitempty"`
		More   bool     `json:"more"`
	}{public, next, more})
}

// ParseQuery reads the parameters of GET /api/events; times given as a
// duration count back from now. The limit is DefaultListLimit unless
// given, at most MaxListLimit. An unknown parameter is an error, so that
// a misspelt filter does not quietly select everything.
func ParseQuery(v map[string][]string, now time.Time) (Query, error) {
	q := Query{Limit: DefaultListLimit}
	for name, values := range v {
		val := ""
		if len(values) > 0 {
			val = values[len(values)-1]
		}
		var err error
		switch name {
		case "since":
			q.Since, err = when.Parse(val, now)
		case "until":
			q.Until, err = when.Parse(val, now)
		case "registry":
			q.Registry = val
		case "repository":
			q.Repository = val
		case "type":
			q.Type = val
		case "tag":
			q.Tag = val
		case "q":
			q.Text = strings.TrimSpace(val)
		case "cursor":
			if val != "" {
				err = q.setCursor(val)
			}
		case "outcome":
			if q.Outcome = val; val != "" && !slices.Contains(Outcomes, val) {
				err = fmt.Errorf("want one of %s", strings.Join(Outcomes, ", "))
			}
		case "limit":
			if q.Limit, err = strconv.Atoi(val); err != nil || q.Limit < 1 || q.Limit > MaxListLimit {
				err = fmt.Errorf("want a number from 1 to %d", MaxListLimit)
			}
		case "access_token": // the token, checked by the receiver
		default:
			return q, fmt.Errorf("unknown parameter %q: the filters are registry, type, repository, tag, since, until, outcome, q, limit, cursor", name)
		}
		if err != nil {
			return q, fmt.Errorf("%s=%q: %v", name, val, err)
		}
	}
	return q, nil
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

func unavailable(w http.ResponseWriter, doing string, err error) {
	w.Header().Set("Retry-After", "5")
	writeError(w, http.StatusServiceUnavailable, doing+err.Error())
}
