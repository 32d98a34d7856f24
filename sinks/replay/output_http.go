package replay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/hubwire/hubwire/internal/redact"
	"github.com/hubwire/hubwire/internal/retryafter"
)

// httpOutput POSTs each event in the CloudEvents HTTP binding, binary
// mode, one at a time: an event is retried until the receiver takes it,
// so the receiver sees the events in order, whatever its hiccups.
type httpOutput struct {
	url    string
	client *http.Client
	reader *eventReader
	logf   func(string, ...any)
	// stop, when closed, ends the retries (Options.Stop).
	stop <-chan struct{}
}

// errStopped is an event's write given up because Options.Stop closed
// before the receiver took it.
var errStopped = errors.New("replay stopped")

// Retries wait firstRetry, then twice as long each time up to lastRetry,
// or what the receiver's Retry-After asks, up to maxRetryAfter.
const (
	firstRetry    = 100 * time.Millisecond
	lastRetry     = 10 * time.Second
	maxRetryAfter = 5 * time.Minute
)

func newHTTPOutput(url string, timeout time.Duration, reader *eventReader, logf func(string, ...any)) *httpOutput {
	return &httpOutput{url: url, client: &http.Client{Timeout: timeout}, reader: reader, logf: logf}
}

func (h *httpOutput) write(ctx context.Context, rec record) error {
	e, err := rec.event(ctx)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		if attempt > 0 && closed(h.stop) {
			return errStopped
		}
		status, answer, retryAfter, err := h.post(ctx, e)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var why string
		switch {
		case err != nil:
			why = redact.Error(err) // Go's HTTP client quotes the URL, token and all
		case status >= 200 && status <= 299:
			return nil
		case status == http.StatusRequestTimeout, status == http.StatusTooManyRequests, status >= 500:
			why = fmt.Sprintf("%d %s", status, http.StatusText(status))
		default:
			return fmt.Errorf("the receiver at %s refused event %s (%s %s, %s) with %d %s%s; fix the receiver, then resume with %s",
				redact.HostOr(h.url, "the receiver"), e.ID(), e.Type(), e.Subject(), h.reader.position(rec), status, http.StatusText(status), answer, h.reader.resumeAt(rec, false))
		}
		wait := min(firstRetry<<min(attempt, 10), lastRetry)
		if retryAfter > 0 {
			wait = min(retryAfter, maxRetryAfter)
		}
		h.logf("POST of event %s to %s: %s; retrying in %v", e.ID(), redact.HostOr(h.url, "the receiver"), why, wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		case <-h.stop:
			return errStopped
		}
	}
}

// post makes one attempt: the status, the start of the answer's body (for
// a refusal), and how long Retry-After asks to wait.
func (h *httpOutput) post(ctx context.Context, e *event.Event) (int, string, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, nil)
	if err != nil {
		return 0, "", 0, err
	}
	if err := cehttp.WriteRequest(binding.WithForceBinary(ctx), binding.ToMessage(e), req); err != nil {
		return 0, "", 0, fmt.Errorf("encoding event %s for HTTP: %w", e.ID(), err)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, "", 0, err
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	// Read what is left (within reason) so the connection is reused.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	answer := strings.TrimSpace(string(bytes.ToValidUTF8(head, nil)))
	if answer != "" {
		answer = ": " + answer
	}
	return resp.StatusCode, answer, retryafter.Parse(resp.Header.Get("Retry-After")), nil
}

func (h *httpOutput) finish(context.Context) error {
	h.client.CloseIdleConnections()
	return nil
}

// closed reports whether ch (nil: never) is closed.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
