package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/hubwire/hubwire/adapter/reply"
)

// live serves /console/live: the events recorded after a time, as
// Server-Sent Events, each a list row (rendered as the list renders it)
// and its id. The history lives in the broker, so the stream polls it:
// every replica sees every event.
type live struct {
	c *Console
}

// livePoll is how often the tail looks for new records.
var livePoll = time.Second

func (l *live) serve(w http.ResponseWriter, req *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	since := l.c.cfg.Clock()
	if s := req.URL.Query().Get("since"); s != "" {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			since = t
		}
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	fl.Flush()
	// A list's write timeout would cut the stream: this one lives until
	// the page goes.
	rc := http.NewResponseController(w)
	seen := map[string]bool{}
	t := time.NewTicker(livePoll)
	defer t.Stop()
	for {
		rc.SetWriteDeadline(time.Now().Add(livePoll + 30*time.Second))
		ctx, cancel := context.WithTimeout(req.Context(), 5*time.Second)
		recs, err := l.c.cfg.History.List(ctx, reply.Query{Since: since, Limit: 200})
		cancel()
		if err == nil {
			// Oldest first, so that the page puts the newest on top.
			for i := len(recs) - 1; i >= 0; i-- {
				r := &recs[i]
				if seen[r.ID] {
					continue
				}
				seen[r.ID] = true
				if t := r.Time(); t.After(since) {
					// Look from the newest seen on; ids seen keep a
					// record of the same instant from coming twice.
					since = t
				}
				var b bytes.Buffer
				if err := l.c.pages["list"].ExecuteTemplate(&b, "row", newRow(r)); err != nil {
					continue
				}
				msg, _ := json.Marshal(map[string]string{"id": r.ID, "row": b.String(), "at": r.Time().UTC().Format(time.RFC3339Nano)})
				fmt.Fprintf(w, "event: event\ndata: %s\n\n", msg)
			}
			fl.Flush()
			if len(seen) > 10000 {
				seen = map[string]bool{}
			}
		}
		select {
		case <-req.Context().Done():
			return
		case <-l.c.done:
			return
		case <-t.C:
		}
	}
}
