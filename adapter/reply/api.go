package reply

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// ErrNoRecord is the answer for an event hubwire has no record of.
var ErrNoRecord = errors.New("no such event")

// ServeRecord answers GET /api/events/<id> with the event's delivery
// record, as get returns it (ErrNoRecord for an event with none): when it
// was received, where it was stored, the acks, the decision and each
// callback attempt (see Record for which events have one). The receiver
// checks the token first.
func ServeRecord(w http.ResponseWriter, req *http.Request, get func(context.Context, string) (Record, error)) {
	w.Header().Set("Content-Type", "application/json")
	id, ok := strings.CutPrefix(req.URL.Path, "/api/events/")
	if !ok || id == "" || strings.Contains(id, "/") {
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]string{"error": "not found; try /api/events/<event id>"})
		return
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		w.WriteHeader(http.StatusMethodNotAllowed)
		json.NewEncoder(w).Encode(map[string]string{"error": "use GET"})
		return
	}
	rec, err := get(req.Context(), id)
	switch {
	case errors.Is(err, ErrNoRecord):
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]string{"error": "no record of event " + id + ": hubwire records an event with a callback_url when it receives it, any other at its first ack"})
	case err != nil:
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(map[string]string{"error": "reading the record: " + err.Error()})
	default:
		json.NewEncoder(w).Encode(rec.Public())
	}
}
