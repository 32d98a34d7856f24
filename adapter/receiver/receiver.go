// Package receiver is the HTTP side of hubwire: it takes registries'
// webhook deliveries at /hooks/<registry>/<token>, checks the token and
// any signature, decodes each with its registry's decoder, stores the
// events (package store) and answers with the contract of the README
// ("The receiver's answers"). It also serves /healthz, /readyz, /metrics,
// the schemas, the AsyncAPI document and, behind the token, /api/.
package receiver

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/internal/excerpt"
	"github.com/hubwire/hubwire/internal/redact"
	"github.com/hubwire/hubwire/sinks"
	"github.com/hubwire/hubwire/sinks/spool"
	"github.com/hubwire/hubwire/sinks/store"
)

// Config configures a Receiver.
type Config struct {
	// Registries are the registries the receiver accepts, each at
	// /hooks/<name>/<token>; their events' dataschema points under
	// SchemaBase.
	Registries adapter.List
	SchemaBase string
	// Store stores the events; the receiver answers 202 only after it did.
	Store *store.Store
	// Token authenticates deliveries: in the path, as a Bearer token, or
	// as the access_token query parameter. It is valid for every source
	// without tokens of its own, and for the API.
	Token string
	// SourceTokens are a source's own tokens (several, so that one can be
	// rotated without downtime); the source then takes only those.
	SourceTokens map[string][]string
	// TokenHeaders name, per source, a header that may also carry its
	// token as its whole value (the API-key header of an EventBridge
	// connection).
	TokenHeaders map[string]string
	// Publish and Drop filter a source's events by CloudEvent type (a
	// trailing * matches any rest): with Publish, only the events it
	// names are published; those Drop or the registry's own Drop name are
	// not (unless Publish names them). A dropped event is answered 2xx,
	// "ignored": true, and counted.
	Publish, Drop map[string][]string
	// Verifiers check the signatures of a source's deliveries (401 when
	// one does not verify).
	Verifiers map[string][]Verifier
	// Tracing carries the W3C trace context of each delivery (or a new
	// one) in the event's traceparent and tracestate extensions.
	Tracing bool
	// RawAuthorization also accepts the token as the whole Authorization
	// header (Harbor sends its secret so); BasicAuth as the password of
	// HTTP Basic authentication.
	RawAuthorization, BasicAuth bool
	// MaxBodyBytes bounds a delivery (413 above it).
	MaxBodyBytes int64
	// MaxInFlight caps the deliveries being decoded and stored at once;
	// one more is answered 503 with Retry-After rather than queued. 0
	// means no cap. A delivery takes its slot once its body is read, so
	// that slow senders cannot hold the slots fast ones need.
	MaxInFlight int
	// MaxInFlightBytes bounds the bytes of the bodies held at once, being
	// read or handled (a body counts from its Content-Length, or as it
	// arrives); a delivery beyond it is answered 503 with Retry-After.
	// 0 means no bound.
	MaxInFlightBytes int64
	// AllowedOrigins answer the CloudEvents webhook abuse-protection
	// handshake (OPTIONS with WebHook-Request-Origin); "*" allows any.
	AllowedOrigins []string
	// AllowedRate is the WebHook-Allowed-Rate granted (requests a
	// minute, or "*").
	AllowedRate string
	// RateLimit and SourceRateLimit bound the deliveries a second, in all
	// and per source (429 with Retry-After above them); 0 means no bound.
	// They count authenticated deliveries only, so that no one without
	// the token can use up a source's share.
	RateLimit, SourceRateLimit float64
	// Schemas are served under /schemas/.
	Schemas fs.FS
	// API serves /api/ to callers that present the token.
	API http.Handler
	// Console serves /console/, which checks its own sessions.
	Console http.Handler
	// Metrics are counted when set, and Gatherer served on /metrics.
	Metrics  *Metrics
	Gatherer prometheus.Gatherer
	Logger   *slog.Logger
}

// Receiver is the HTTP side of hubwire: it takes webhook deliveries,
// decodes them, stores them through the store, and answers with the
// contract of the README ("The receiver's answers").
type Receiver struct {
	cfg     Config
	sources map[string]adapter.Decoder
	regs    map[string]adapter.Registry
	token   [][sha256.Size]byte
	// tokens are the digests each source accepts.
	tokens   map[string][][sha256.Size]byte
	inFlight chan struct{} // a slot per delivery being handled; nil: no cap
	bytes    *budget       // the bytes of the bodies held; nil: no bound
	// limits apply to every delivery; sourceLimits to each source's.
	limits       *rate.Limiter
	sourceLimits map[string]*rate.Limiter
}

// New checks cfg and returns a Receiver.
func New(cfg Config) (*Receiver, error) {
	if cfg.Store == nil || len(cfg.Registries) == 0 {
		return nil, errors.New("receiver needs a store and at least one registry")
	}
	if err := CheckToken(cfg.Token); err != nil {
		return nil, err
	}
	if cfg.MaxBodyBytes <= 0 {
		return nil, fmt.Errorf("body limit %d: must be positive", cfg.MaxBodyBytes)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	r := &Receiver{cfg: cfg, sources: map[string]adapter.Decoder{}, regs: map[string]adapter.Registry{}, token: [][sha256.Size]byte{sha256.Sum256([]byte(cfg.Token))}, tokens: map[string][][sha256.Size]byte{}}
	for _, reg := range cfg.Registries {
		if _, dup := r.sources[reg.Name]; dup || reg.Name == "" || reg.New == nil {
			return nil, fmt.Errorf("registry %q: named twice, unnamed, or without a decoder", reg.Name)
		}
		r.sources[reg.Name] = reg.New(cfg.SchemaBase)
		r.regs[reg.Name] = reg
		r.tokens[reg.Name] = r.token
	}
	for name, h := range cfg.TokenHeaders {
		if _, ok := r.sources[name]; !ok {
			return nil, fmt.Errorf("a token header for source %q, which this receiver does not take", name)
		}
		if !ValidHeaderName(h) {
			return nil, fmt.Errorf("token header %q of source %s is not a header name", h, name)
		}
	}
	for name, toks := range cfg.SourceTokens {
		if _, ok := r.sources[name]; !ok {
			return nil, fmt.Errorf("tokens for source %q, which this receiver does not take", name)
		}
		var sums [][sha256.Size]byte
		for _, tok := range toks {
			if err := CheckToken(tok); err != nil {
				return nil, fmt.Errorf("a token of source %s: %w", name, err)
			}
			sums = append(sums, sha256.Sum256([]byte(tok)))
		}
		if len(sums) > 0 {
			r.tokens[name] = sums
		}
	}
	cfg.Metrics.resolve(append(cfg.Registries.Names(), "unknown"))
	if cfg.MaxInFlight > 0 {
		r.inFlight = make(chan struct{}, cfg.MaxInFlight)
	}
	if cfg.MaxInFlightBytes > 0 {
		r.bytes = &budget{max: cfg.MaxInFlightBytes}
	}
	if cfg.RateLimit > 0 {
		r.limits = rate.NewLimiter(rate.Limit(cfg.RateLimit), max(1, int(cfg.RateLimit)))
	}
	if cfg.SourceRateLimit > 0 {
		r.sourceLimits = map[string]*rate.Limiter{}
		for name := range r.sources {
			r.sourceLimits[name] = rate.NewLimiter(rate.Limit(cfg.SourceRateLimit), max(1, int(cfg.SourceRateLimit)))
		}
	}
	return r, nil
}

// retryAfterSeconds is what a 503 asks the sender to wait: long enough for
// a broker to come back from a restart, short enough not to pile up.
const retryAfterSeconds = "5"

// ErrorBody is the body of every error answer.
type ErrorBody struct {
	Error string `json:"error"`
	// Field names the offending field of a 400.
	Field string `json:"field,omitempty"`
}

func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch {
	case strings.HasPrefix(req.URL.Path, "/hooks/"):
		r.hook(w, req)
	case req.URL.Path == "/healthz":
		if onlyGet(w, req) {
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		}
	case req.URL.Path == "/readyz":
		if onlyGet(w, req) {
			r.ready(w, req)
		}
	case strings.HasPrefix(req.URL.Path, "/api/") && r.cfg.API != nil:
		if !r.authorized(req, "", "", r.token) {
			notFound(w)
			return
		}
		r.cfg.API.ServeHTTP(w, req)
	case (req.URL.Path == "/console" || strings.HasPrefix(req.URL.Path, "/console/")) && r.cfg.Console != nil:
		r.cfg.Console.ServeHTTP(w, req)
	case req.URL.Path == "/metrics" && r.cfg.Gatherer != nil:
		promhttp.HandlerFor(r.cfg.Gatherer, promhttp.HandlerOpts{}).ServeHTTP(w, req)
	case req.URL.Path == "/asyncapi.json" || req.URL.Path == "/schemas/"+asyncAPIFile:
		if onlyGet(w, req) {
			r.asyncAPI(w, req)
		}
	case strings.HasPrefix(req.URL.Path, "/schemas/"):
		if onlyGet(w, req) {
			r.schema(w, req)
		}
	default:
		notFound(w)
	}
}

func (r *Receiver) hook(w http.ResponseWriter, req *http.Request) {
	start := time.Now()
	if trace.IsEnabled() {
		// In a Go execution trace (--debug-addr's /debug/pprof/trace), one
		// region per delivery, with the peer's address: what lets
		// hubwire-bench latency find a slow request's goroutine and what it
		// waited on. Nothing is done while no trace is taken.
		defer trace.StartRegion(req.Context(), "hubwire.hook").End()
		trace.Log(req.Context(), "remote", req.RemoteAddr)
	}
	sourceName, pathToken, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/hooks/"), "/")
	src, known := r.sources[sourceName]
	// A wrong token gets the same answer as an unknown path, and the
	// path (which holds the token) is never logged: only the route, and
	// only for a known source (a misconfigured /hooks/<token> must not
	// put the token in the log).
	// Every line about the request names its route and remote address;
	// the attributes (the route too) are put together only for a line that
	// is written (at high rates Info is often off, and then most requests
	// write none).
	log := func(level slog.Level, msg string, args ...any) {
		if r.cfg.Logger.Enabled(req.Context(), level) {
			route := "/hooks/?"
			if known {
				route = "/hooks/" + sourceName
			}
			r.cfg.Logger.Log(req.Context(), level, msg, append([]any{"route", route, "remote", req.RemoteAddr}, args...)...)
		}
	}
	// An unknown source is checked against the main token all the same,
	// so that its answer takes as long as a wrong token's.
	valid, ok := r.tokens[sourceName]
	if !ok {
		valid = r.token
	}
	if authorized := r.authorized(req, pathToken, r.cfg.TokenHeaders[sourceName], valid); !known || !authorized {
		reason := "unknown source or token"
		if !known && looksLikeAName(sourceName) {
			// Named, so that a route misspelt in a registry's settings can
			// be found; a tokens-long path element is never logged.
			reason = fmt.Sprintf("unknown source %q (the sources are %s)", sourceName, strings.Join(r.cfg.Registries.Names(), ", "))
		}
		log(slog.LevelInfo, "webhook refused", "status", http.StatusNotFound, "reason", reason)
		if !known {
			sourceName = "unknown"
		}
		r.cfg.Metrics.request(sourceName, http.StatusNotFound)
		notFound(w)
		return
	}
	if req.Method == http.MethodOptions {
		r.handshake(w, req)
		return
	}
	if req.Method != http.MethodPost {
		r.cfg.Metrics.request(sourceName, http.StatusMethodNotAllowed)
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, ErrorBody{Error: fmt.Sprintf("method %s not allowed: webhooks are delivered with POST", req.Method)})
		return
	}
	if wait, ok := r.allow(sourceName); !ok {
		r.cfg.Metrics.request(sourceName, http.StatusTooManyRequests)
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		writeJSON(w, http.StatusTooManyRequests, ErrorBody{Error: fmt.Sprintf("more deliveries than the rate limit allows; retry in %v", wait.Round(time.Millisecond))})
		log(slog.LevelWarn, "webhook refused", "status", http.StatusTooManyRequests, "reason", "rate limit")
		return
	}
	// The body is read before the delivery takes an in-flight slot: a
	// slow sender holds only the bytes it announced (within
	// MaxInFlightBytes, and until the server's read timeout), never a
	// slot that fast deliveries need.
	body, held, status, answer := r.readBody(req, sourceName)
	defer r.bytes.give(held)
	if answer != nil {
		r.cfg.Metrics.request(sourceName, status)
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", retryAfterSeconds)
		}
		writeJSON(w, status, *answer)
		log(slog.LevelInfo, "webhook refused", "status", status, "reason", answer.Error)
		return
	}
	if r.inFlight != nil {
		select {
		case r.inFlight <- struct{}{}:
			defer func() { <-r.inFlight }()
		default:
			r.cfg.Metrics.request(sourceName, http.StatusServiceUnavailable)
			w.Header().Set("Retry-After", retryAfterSeconds)
			writeJSON(w, http.StatusServiceUnavailable, ErrorBody{Error: fmt.Sprintf("%d deliveries are being handled, the most allowed at once; retry later", r.cfg.MaxInFlight)})
			log(slog.LevelWarn, "webhook refused", "status", http.StatusServiceUnavailable, "reason", "too many in flight")
			return
		}
	}
	status, reply, evID := r.deliver(req, sourceName, src, body)
	r.cfg.Metrics.request(sourceName, status)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", retryAfterSeconds)
	}
	writeJSON(w, status, reply)
	if !r.cfg.Logger.Enabled(req.Context(), slog.LevelInfo) {
		return
	}
	attrs := []any{"status", status, "duration", time.Since(start).Round(time.Microsecond)}
	if evID != "" {
		attrs = append(attrs, "event_id", evID)
	}
	if eb, ok := reply.(ErrorBody); ok {
		attrs = append(attrs, "error", eb.Error)
	}
	log(slog.LevelInfo, "webhook", attrs...)
}

// allow takes a delivery of source from the rate limits, or says how long
// to wait; a refused delivery uses up nothing.
func (r *Receiver) allow(source string) (time.Duration, bool) {
	var taken []*rate.Reservation
	for _, l := range []*rate.Limiter{r.limits, r.sourceLimits[source]} {
		if l == nil {
			continue
		}
		res := l.Reserve()
		if d := res.Delay(); d > 0 {
			res.Cancel()
			for _, t := range taken {
				t.Cancel()
			}
			return d, false
		}
		taken = append(taken, res)
	}
	return 0, true
}

// handshake answers the abuse-protection handshake of the CloudEvents
// webhook spec: a sender asks, before delivering, whether its origin may.
func (r *Receiver) handshake(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Allow", "POST, OPTIONS")
	origin := req.Header.Get("WebHook-Request-Origin")
	if origin == "" {
		w.WriteHeader(http.StatusOK)
		return
	}
	if !slices.Contains(r.cfg.AllowedOrigins, "*") && !slices.Contains(r.cfg.AllowedOrigins, origin) {
		writeJSON(w, http.StatusForbidden, ErrorBody{Error: fmt.Sprintf("origin %s may not deliver here (--webhook-allowed-origin)", excerpt.Quote(origin))})
		return
	}
	w.Header().Set("WebHook-Allowed-Origin", origin)
	w.Header().Set("WebHook-Allowed-Rate", cmp.Or(r.cfg.AllowedRate, "*"))
	w.WriteHeader(http.StatusOK)
}

// deliver runs one delivery through decode and store and returns the
// answer; the id of its (first) event once there is one.
func (r *Receiver) deliver(req *http.Request, source string, dec adapter.Decoder, body []byte) (int, any, string) {
	reg := r.regs[source]
	for _, v := range r.cfg.Verifiers[source] {
		if err := v.Verify(req.Header, body, time.Now()); err != nil {
			return http.StatusUnauthorized, ErrorBody{Error: "signature: " + err.Error()}, ""
		}
	}
	delivery := adapter.Delivery{Header: req.Header, Body: body}
	if req.URL.RawQuery != "" { // most deliveries have none: no map to make
		delivery.Query = req.URL.Query()
	}
	events, err := dec.Decode(delivery)
	var rejected *adapter.Rejected
	if errors.As(err, &rejected) && len(events) > 0 {
		err = nil // the events read are stored; the answer names the rest
	}
	if err != nil {
		if other, ok := r.recognize(source, delivery); ok {
			return http.StatusBadRequest, ErrorBody{Error: fmt.Sprintf("this is a %s delivery, not a %s one; send it to /hooks/%s/<token>", other.Title, reg.Title, other.Name)}, ""
		}
		// Capped as well as excerpted where made: a decoder that quotes
		// a value whole still gives a short answer and log line.
		var fe *adapter.FieldError
		if errors.As(err, &fe) {
			return http.StatusBadRequest, ErrorBody{Error: excerpt.Text(fe.Error(), maxErrorText), Field: excerpt.Text(fe.Field, maxErrorText)}, ""
		}
		return http.StatusBadRequest, ErrorBody{Error: excerpt.Text(err.Error(), maxErrorText)}, ""
	}
	if len(events) == 0 {
		// Nothing to publish is not the sender's fault: a 4xx would make
		// some registries retry forever, others disable the webhook.
		return http.StatusOK, Batch{Events: []Accepted{}}, ""
	}
	// One deadline for the whole delivery, however many events it holds,
	// shared with the deliveries that begin at about the same time (see
	// store.Context). It is not the request's context: a sender that gives
	// up does not cut a publish short, since the broker may store an event
	// whose publish was abandoned, and the answer (and the log) would then
	// say the opposite of what happened.
	ctx := r.cfg.Store.Context(time.Now())
	// The events of one delivery share hubwire's span of its trace.
	var tp, ts string
	if r.cfg.Tracing {
		tp, ts = traceParent(req.Header)
	}
	var first Accepted
	var several []Accepted // only for a delivery of several events: most carry one
	// The headers that hold no secret go into the delivery record of an
	// event with a callback_url (the only one written at receipt), never
	// into the event; built only for such an event.
	var header map[string]string
	published := 0
	for i, d := range events {
		e := &d.Event
		if r.dropped(source, reg, e.Type()) {
			r.cfg.Metrics.countIgnored(source)
			a := Accepted{ID: e.ID(), Type: e.Type(), Source: e.Source(), Subject: e.Subject(), Ignored: true}
			if i == 0 {
				first = a
			}
			if len(events) > 1 {
				several = append(several, a)
			}
			continue
		}
		if tp != "" {
			e.SetExtension("traceparent", tp)
			if ts != "" {
				e.SetExtension("tracestate", ts)
			}
		}
		if d.CallbackURL != "" && header == nil {
			header = redact.Header(req.Header)
		}
		receipt, err := r.cfg.Store.Put(ctx, sinks.Entry{Source: source, Address: d.Address, CallbackURL: d.CallbackURL, Header: header, Event: e})
		if err != nil {
			// The events before this one are stored: a retry of the
			// delivery finds them duplicates, and stores the rest.
			status, answer := r.notStored(e.ID(), err)
			return status, answer, e.ID()
		}
		published++
		a := Accepted{ID: e.ID(), Type: e.Type(), Source: e.Source(), Subject: e.Subject(), Receipt: receipt}
		if i == 0 {
			first = a
		}
		if len(events) > 1 {
			several = append(several, a)
		}
	}
	status := http.StatusOK // nothing was published: every event ignored
	if published > 0 {
		status = http.StatusAccepted
	}
	if several == nil && rejected == nil {
		return status, first, first.ID
	}
	if several == nil {
		several = []Accepted{first}
	}
	b := Batch{Events: several}
	if rejected != nil {
		b.Rejected = rejected.Elements
	}
	return status, b, first.ID
}

// readBody checks the Content-Type and reads the body of a delivery to
// source, within MaxBodyBytes and the bytes in flight. held is what it
// took of the bytes in flight, to give back when the delivery ends; a
// non-nil answer refuses the delivery with status.
func (r *Receiver) readBody(req *http.Request, source string) (body []byte, held int64, status int, answer *ErrorBody) {
	refuse := func(status int, format string, args ...any) ([]byte, int64, int, *ErrorBody) {
		return nil, held, status, &ErrorBody{Error: fmt.Sprintf(format, args...)}
	}
	if ct := req.Header.Get("Content-Type"); !isJSON(ct) && !isOneOf(ct, r.regs[source].MediaTypes) {
		return refuse(http.StatusUnsupportedMediaType, "Content-Type %s is not JSON: send the body as Content-Type: application/json", excerpt.Quote(ct))
	}
	if req.ContentLength > r.cfg.MaxBodyBytes {
		return refuse(http.StatusRequestEntityTooLarge, "body larger than the limit of %d bytes", r.cfg.MaxBodyBytes)
	}
	noRoom := func() ([]byte, int64, int, *ErrorBody) {
		return refuse(http.StatusServiceUnavailable, "%d bytes of deliveries are being handled, the most allowed at once (--max-in-flight-bytes); nothing of this one was stored: retry later", r.cfg.MaxInFlightBytes)
	}
	// A body of known length is counted whole before it is read (and read
	// into a buffer of its size); one of unknown length as it arrives.
	if req.ContentLength > 0 {
		if !r.bytes.take(req.ContentLength) {
			return noRoom()
		}
		held = req.ContentLength
	}
	if req.ContentLength > 0 {
		// The usual case, read into a buffer of its size: net/http ends
		// the body at its Content-Length, which is within MaxBodyBytes.
		body := make([]byte, req.ContentLength)
		if _, err := io.ReadFull(req.Body, body); err != nil {
			return refuse(http.StatusBadRequest, "reading body: %v", err)
		}
		return body, held, 0, nil
	}
	buf := bytes.NewBuffer(make([]byte, 0, bytes.MinRead))
	in := http.MaxBytesReader(nil, req.Body, r.cfg.MaxBodyBytes)
	for {
		if int64(buf.Len()) == held {
			// All that was counted is read: count the next chunk before
			// reading it (past a Content-Length, this finds the end).
			const chunk = 16 << 10
			if !r.bytes.take(chunk) {
				return noRoom()
			}
			held += chunk
		}
		_, err := buf.ReadFrom(io.LimitReader(in, held-int64(buf.Len())))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return refuse(http.StatusRequestEntityTooLarge, "body larger than the limit of %d bytes", tooBig.Limit)
		case err != nil:
			return refuse(http.StatusBadRequest, "reading body: %v", err)
		case int64(buf.Len()) < held || int64(buf.Len()) == req.ContentLength:
			// The body ended (net/http ends a body at its Content-Length).
			return buf.Bytes(), held, 0, nil
		}
	}
}

// budget bounds the bytes held by the deliveries in flight.
type budget struct {
	max  int64
	used atomic.Int64
}

// take counts n more bytes, or reports that they do not fit; a nil budget
// takes anything.
func (b *budget) take(n int64) bool {
	if b == nil {
		return true
	}
	if b.used.Add(n) > b.max {
		b.used.Add(-n)
		return false
	}
	return true
}

// give returns n bytes that take counted.
func (b *budget) give(n int64) {
	if b != nil {
		b.used.Add(-n)
	}
}

// dropped reports whether the filters keep an event of ceType of source
// from being published.
func (r *Receiver) dropped(source string, reg adapter.Registry, ceType string) bool {
	matches := func(patterns []string) bool {
		return slices.ContainsFunc(patterns, func(p string) bool { return adapter.TypeMatches(p, ceType) })
	}
	publish := r.cfg.Publish[source]
	switch {
	case len(publish) > 0 && !matches(publish):
		return true
	case matches(r.cfg.Drop[source]):
		return true
	case matches(reg.Drop):
		return !matches(publish)
	}
	return false
}

// recognize finds the registry, other than source, that a delivery its
// decoder refused looks like it came from.
func (r *Receiver) recognize(source string, d adapter.Delivery) (adapter.Registry, bool) {
	for _, reg := range r.cfg.Registries {
		if reg.Name != source && reg.Recognizes != nil && reg.Recognizes(d) {
			return reg, true
		}
	}
	return adapter.Registry{}, false
}

// looksLikeAName tells a path element that may be logged (a registry's
// name misspelt) from one that may be a token (16 characters or more).
func looksLikeAName(s string) bool {
	if s == "" || len(s) >= 16 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// notStored is the answer for an event the store did not take. A 503
// says what is known: a publish that timed out may have reached the
// broker, and a retry carries the same event id, so it is de-duplicated
// (by the stream on NATS, by consumers on ce_id on Kafka).
func (r *Receiver) notStored(id string, err error) (int, ErrorBody) {
	switch {
	case errors.Is(err, sinks.ErrTooLarge):
		r.cfg.Logger.Warn("publish failed", "event_id", id, "error", err)
		// Says why: the body was under --max-body-bytes, the event it
		// makes is not under the broker's limit.
		msg := fmt.Sprintf("event %s is larger than the broker accepts", id)
		var tl *sinks.TooLargeError
		if errors.As(err, &tl) {
			limit := "the most " + tl.Broker + " accepts (its max.message.bytes)"
			if tl.Max > 0 {
				limit = fmt.Sprintf("the broker's max payload of %d bytes", tl.Max)
			}
			msg = fmt.Sprintf("event %s cannot be published: it is %d bytes once encoded as a CloudEvent (the body's facts and data.payload, the body as sent), more than %s; send a smaller body or raise the broker's limit", id, tl.Size, limit)
		}
		return http.StatusRequestEntityTooLarge, ErrorBody{Error: msg}
	case errors.Is(err, spool.ErrFull):
		r.cfg.Logger.Warn("spool full", "event_id", id, "error", err)
		return http.StatusServiceUnavailable, ErrorBody{Error: fmt.Sprintf("event %s could not be stored: the broker did not take it in time and the local spool is full; it may have reached the broker all the same, and a retry is de-duplicated: retry later", id)}
	case errors.Is(err, spool.ErrDiskFull):
		r.cfg.Logger.Warn("spool disk full", "event_id", id, "error", err)
		return http.StatusServiceUnavailable, ErrorBody{Error: fmt.Sprintf("event %s could not be stored: the broker did not take it in time and the local spool's disk is full; it may have reached the broker all the same, and a retry is de-duplicated: retry later", id)}
	case errors.Is(err, store.ErrNotSpooled):
		r.cfg.Logger.Warn("spooling failed", "event_id", id, "error", err)
		return http.StatusServiceUnavailable, ErrorBody{Error: fmt.Sprintf("event %s could not be stored: the broker did not take it in time and the local spool did not finish writing it; it may have been stored, and a retry is de-duplicated: retry later", id)}
	case errors.Is(err, store.ErrNotRecorded):
		r.cfg.Logger.Warn("delivery record not written", "event_id", id, "error", err)
		return http.StatusServiceUnavailable, ErrorBody{Error: fmt.Sprintf("event %s is stored but its delivery record could not be written; retry (the event is de-duplicated, the record written)", id)}
	default:
		r.cfg.Logger.Warn("publish failed", "event_id", id, "error", err)
		return http.StatusServiceUnavailable, ErrorBody{Error: fmt.Sprintf("event %s: the broker did not confirm it in time; it may have been stored, and a retry is de-duplicated: retry later", id)}
	}
}

// authorized checks the tokens a request presents (in the path, as
// Authorization: Bearer, as the access_token query parameter, the ways the
// CloudEvents webhook spec allows; raw or Basic where configured; the whole
// value of tokenHeader, if named) against valid, every pair in constant
// time and without stopping early.
func (r *Receiver) authorized(req *http.Request, pathToken, tokenHeader string, valid [][sha256.Size]byte) bool {
	var stack [6]string
	candidates := append(stack[:0], pathToken)
	if req.URL.RawQuery != "" { // most requests have none: no map to make
		candidates = append(candidates, req.URL.Query().Get("access_token"))
	}
	if tokenHeader != "" {
		candidates = append(candidates, req.Header.Get(tokenHeader))
	}
	auth := req.Header.Get("Authorization")
	if scheme, tok, ok := strings.Cut(auth, " "); ok && strings.EqualFold(scheme, "Bearer") {
		candidates = append(candidates, strings.TrimSpace(tok))
	}
	if _, password, ok := req.BasicAuth(); ok && r.cfg.BasicAuth {
		candidates = append(candidates, password)
	}
	if r.cfg.RawAuthorization && !strings.Contains(auth, " ") {
		candidates = append(candidates, auth)
	}
	ok := 0
	var text [128]byte // a token's bytes, on the stack (most tokens fit)
	for _, c := range candidates {
		sum := sha256.Sum256(append(text[:0], c...))
		for _, v := range valid {
			ok |= subtle.ConstantTimeCompare(sum[:], v[:]) & boolInt(c != "")
		}
	}
	return ok == 1
}

// ValidHeaderName reports whether h is an HTTP header name (an RFC 9110
// token).
func ValidHeaderName(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ready answers /readyz: ready when a delivery would be answered 2xx now,
// stored in the broker or, while the broker is away, in the spool. The
// store bounds each of its checks.
func (r *Receiver) ready(w http.ResponseWriter, req *http.Request) {
	st := r.cfg.Store.Ready(req.Context(), r.cfg.MaxBodyBytes)
	if st.Status != "ready" {
		w.Header().Set("Retry-After", retryAfterSeconds)
		writeJSON(w, http.StatusServiceUnavailable, st)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (r *Receiver) schema(w http.ResponseWriter, req *http.Request) {
	name := strings.TrimPrefix(req.URL.Path, "/schemas/")
	if strings.Contains(name, "/") || !strings.HasSuffix(name, ".json") {
		notFound(w)
		return
	}
	b, err := fs.ReadFile(r.cfg.Schemas, name)
	if err != nil {
		notFound(w)
		return
	}
	w.Header().Set("Content-Type", "application/schema+json")
	w.Write(b)
}

// asyncAPIFile is the AsyncAPI document among the schemas.
const asyncAPIFile = "asyncapi.json"

// asyncAPI serves the AsyncAPI document of the events and acks. It lives
// among the schemas and names them relative to itself ("./dtr.tag.push.json"),
// so that the references resolve on disk and under /schemas/; served from
// the root, they are rebased onto schemas/, since a client resolves them
// against the URL it fetched.
func (r *Receiver) asyncAPI(w http.ResponseWriter, req *http.Request) {
	if r.cfg.Schemas == nil {
		notFound(w)
		return
	}
	b, err := fs.ReadFile(r.cfg.Schemas, asyncAPIFile)
	if err != nil {
		notFound(w)
		return
	}
	if req.URL.Path == "/"+asyncAPIFile {
		b = bytes.ReplaceAll(b, []byte(`"$ref": "./`), []byte(`"$ref": "./schemas/`))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// isOneOf reports whether the media type of ct is one of types.
func isOneOf(ct string, types []string) bool {
	if len(types) == 0 {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && slices.Contains(types, mt)
}

// isJSON accepts what a registry may send: no Content-Type at all (Docker
// Hub does not document one), application/json, or any +json type.
func isJSON(ct string) bool {
	if ct == "" || ct == "application/json" { // most deliveries: no parameters to parse
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

func onlyGet(w http.ResponseWriter, req *http.Request) bool {
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	writeJSON(w, http.StatusMethodNotAllowed, ErrorBody{Error: fmt.Sprintf("method %s not allowed here: use GET", req.Method)})
	return false
}

func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, ErrorBody{Error: "not found"})
}

// The header values of every JSON answer, shared by all answers (net/http
// only reads them, and a handler that adds a value appends to a copy).
var (
	jsonContentType = []string{"application/json"}
	noSniff         = []string{"nosniff"}
)

// answerBufs hold the bodies of deliveries' answers while they are
// written: http.ResponseWriter.Write copies them.
var answerBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func writeJSON(w http.ResponseWriter, status int, body any) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["X-Content-Type-Options"] = noSniff
	w.WriteHeader(status)
	switch a := body.(type) { // every delivery's answer: no reflection
	case Accepted:
		buf := answerBufs.Get().(*[]byte)
		*buf = a.appendJSON((*buf)[:0])
		w.Write(*buf)
		answerBufs.Put(buf)
		return
	case Batch:
		w.Write(a.appendJSON(make([]byte, 0, 256*len(a.Events))))
		return
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(body)
}

// maxErrorText bounds the text of a 400 answer, in bytes.
const maxErrorText = 1024
