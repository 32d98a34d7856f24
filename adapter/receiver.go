package adapter

import (
	"bytes"
	"cmp"
	"context"
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
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"

	"github.com/hubwire/hubwire/sinks"
	"github.com/hubwire/hubwire/sinks/spool"
)

// Config configures a Receiver.
type Config struct {
	// Sources are the registries the receiver accepts, each at
	// /hooks/<name>/<token>.
	Sources []Source
	// Sink stores the events; the receiver answers 202 only after it did.
	Sink sinks.Sink
	// Token authenticates deliveries: in the path, as a Bearer token, or
	// as the access_token query parameter. It is valid for every source
	// without tokens of its own, and for the API.
	Token string
	// SourceTokens are a source's own tokens (several, so that one can be
	// rotated without downtime); the source then takes only those.
	SourceTokens map[string][]string
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
	// PublishTimeout bounds the wait for the broker (503 after it).
	PublishTimeout time.Duration
	// MaxInFlight caps the deliveries being handled at once; one more is
	// answered 503 with Retry-After rather than queued. 0 means no cap.
	MaxInFlight int
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
	// Spool, when set, keeps deliveries the broker cannot take in time
	// on local disk (202 with "spooled": true) and forwards them later.
	Spool *spool.Spool
	// Recorder, when set, is told of every stored event before the 202.
	Recorder Recorder
	// API serves /api/ to callers that present the token.
	API http.Handler
	// Metrics are counted when set, and Gatherer served on /metrics.
	Metrics  *Metrics
	Gatherer prometheus.Gatherer
	Logger   *slog.Logger
}

// Receiver is the HTTP side of hubwire: it takes webhook deliveries,
// decodes them, stores them through the sink, and answers with the
// contract of the README ("The receiver's answers").
type Receiver struct {
	cfg     Config
	sources map[string]Source
	token   [][sha256.Size]byte
	// tokens are the digests each source accepts.
	tokens   map[string][][sha256.Size]byte
	inFlight chan struct{} // a slot per delivery being handled; nil: no cap
	// limits apply to every delivery; sourceLimits to each source's.
	limits       *rate.Limiter
	sourceLimits map[string]*rate.Limiter
}

// NewReceiver checks cfg and returns a Receiver.
func NewReceiver(cfg Config) (*Receiver, error) {
	if cfg.Sink == nil || len(cfg.Sources) == 0 {
		return nil, errors.New("receiver needs a sink and at least one source")
	}
	if err := CheckToken(cfg.Token); err != nil {
		return nil, err
	}
	if cfg.MaxBodyBytes <= 0 {
		return nil, fmt.Errorf("body limit %d: must be positive", cfg.MaxBodyBytes)
	}
	if cfg.PublishTimeout <= 0 {
		return nil, fmt.Errorf("publish timeout %v: must be positive", cfg.PublishTimeout)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	r := &Receiver{cfg: cfg, sources: map[string]Source{}, token: [][sha256.Size]byte{sha256.Sum256([]byte(cfg.Token))}, tokens: map[string][][sha256.Size]byte{}}
	for _, s := range cfg.Sources {
		r.sources[s.Name()] = s
		r.tokens[s.Name()] = r.token
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
	if cfg.MaxInFlight > 0 {
		r.inFlight = make(chan struct{}, cfg.MaxInFlight)
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
		if !r.authorized(req, "", r.token) {
			notFound(w)
			return
		}
		r.cfg.API.ServeHTTP(w, req)
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
	sourceName, pathToken, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/hooks/"), "/")
	src, known := r.sources[sourceName]
	// A wrong token gets the same answer as an unknown path, and the
	// path (which holds the token) is never logged: only the route, and
	// only for a known source (a misconfigured /hooks/<token> must not
	// put the token in the log).
	route := "/hooks/" + sourceName
	if !known {
		route = "/hooks/?"
	}
	// Every line about the request names its route and remote address;
	// the attributes are put together only for a line that is written (at
	// high rates Info is often off, and then most requests write none).
	log := func(level slog.Level, msg string, args ...any) {
		if r.cfg.Logger.Enabled(req.Context(), level) {
			r.cfg.Logger.Log(req.Context(), level, msg, append([]any{"route", route, "remote", req.RemoteAddr}, args...)...)
		}
	}
	// An unknown source is checked against the main token all the same,
	// so that its answer takes as long as a wrong token's.
	valid, ok := r.tokens[sourceName]
	if !ok {
		valid = r.token
	}
	if authorized := r.authorized(req, pathToken, valid); !known || !authorized {
		log(slog.LevelInfo, "webhook refused", "status", http.StatusNotFound, "reason", "unknown source or token")
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
	status, body, evID := r.deliver(req, src)
	r.cfg.Metrics.request(sourceName, status)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", retryAfterSeconds)
	}
	writeJSON(w, status, body)
	if !r.cfg.Logger.Enabled(req.Context(), slog.LevelInfo) {
		return
	}
	attrs := []any{"status", status, "duration", time.Since(start).Round(time.Microsecond)}
	if evID != "" {
		attrs = append(attrs, "event_id", evID)
	}
	if eb, ok := body.(ErrorBody); ok {
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
		writeJSON(w, http.StatusForbidden, ErrorBody{Error: fmt.Sprintf("origin %q may not deliver here (--webhook-allowed-origin)", origin)})
		return
	}
	w.Header().Set("WebHook-Allowed-Origin", origin)
	w.Header().Set("WebHook-Allowed-Rate", cmp.Or(r.cfg.AllowedRate, "*"))
	w.WriteHeader(http.StatusOK)
}

// deliver runs one delivery through decode and publish and returns the
// answer; the event id once there is one.
func (r *Receiver) deliver(req *http.Request, src Source) (int, any, string) {
	if ct := req.Header.Get("Content-Type"); !isJSON(ct) {
		return http.StatusUnsupportedMediaType, ErrorBody{Error: fmt.Sprintf("Content-Type %q is not JSON: send the body as Content-Type: application/json", ct)}, ""
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, req.Body, r.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return http.StatusRequestEntityTooLarge, ErrorBody{Error: fmt.Sprintf("body larger than the limit of %d bytes", tooBig.Limit)}, ""
		}
		return http.StatusBadRequest, ErrorBody{Error: "reading body: " + err.Error()}, ""
	}
	for _, v := range r.cfg.Verifiers[src.Name()] {
		if err := v.Verify(req.Header, body, time.Now()); err != nil {
			return http.StatusUnauthorized, ErrorBody{Error: "signature: " + err.Error()}, ""
		}
	}
	d, err := src.Decode(body)
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return http.StatusBadRequest, ErrorBody{Error: fe.Error(), Field: fe.Field}, ""
		}
		return http.StatusBadRequest, ErrorBody{Error: err.Error()}, ""
	}
	e := &d.Event
	if r.cfg.Tracing {
		tp, ts := traceParent(req.Header)
		e.SetExtension("traceparent", tp)
		if ts != "" {
			e.SetExtension("tracestate", ts)
		}
	}
	ctx, cancel := context.WithTimeout(req.Context(), r.cfg.PublishTimeout)
	defer cancel()
	receipt, err := r.store(ctx, src.Name(), d)
	switch {
	case errors.Is(err, sinks.ErrTooLarge):
		r.cfg.Logger.Warn("publish failed", "event_id", e.ID(), "error", err)
		return http.StatusRequestEntityTooLarge, ErrorBody{Error: fmt.Sprintf("event %s is larger than the broker accepts", e.ID())}, e.ID()
	case errors.Is(err, spool.ErrFull):
		r.cfg.Logger.Warn("spool full", "event_id", e.ID(), "error", err)
		return http.StatusServiceUnavailable, ErrorBody{Error: fmt.Sprintf("event %s could not be stored: the broker is unavailable and the local spool is full; nothing was published, retry later", e.ID())}, e.ID()
	case errors.Is(err, errNotSpooled):
		r.cfg.Logger.Warn("spooling failed", "event_id", e.ID(), "error", err)
		return http.StatusServiceUnavailable, ErrorBody{Error: fmt.Sprintf("event %s could not be stored: the broker did not take it in time and the local spool did not finish writing it; retry later", e.ID())}, e.ID()
	case errors.Is(err, errNotRecorded):
		r.cfg.Logger.Warn("delivery record not written", "event_id", e.ID(), "error", err)
		return http.StatusServiceUnavailable, ErrorBody{Error: fmt.Sprintf("event %s is stored but its delivery record could not be written; retry", e.ID())}, e.ID()
	case err != nil:
		r.cfg.Logger.Warn("publish failed", "event_id", e.ID(), "error", err)
		return http.StatusServiceUnavailable, ErrorBody{Error: fmt.Sprintf("event %s could not be stored: the broker did not accept it in time; nothing was published, retry later", e.ID())}, e.ID()
	}
	return http.StatusAccepted, Accepted{ID: e.ID(), Type: e.Type(), Source: e.Source(), Subject: e.Subject(), Receipt: receipt}, e.ID()
}

// errNotRecorded marks an event the broker stored without its delivery
// record; errNotSpooled one that neither the broker nor the spool took in
// time.
var (
	errNotRecorded = errors.New("delivery record not written")
	errNotSpooled  = errors.New("not stored by the broker, nor by the spool")
)

// store puts d's event in the broker, or, when the broker cannot take it
// in time and a spool is configured, in the spool. While the spool holds
// events, new ones go behind them, so that the broker gets them in order.
func (r *Receiver) store(ctx context.Context, source string, d *Decoded) (sinks.Receipt, error) {
	sp := r.cfg.Spool
	if sp == nil {
		return r.publish(ctx, source, d)
	}
	if sp.Backlogged() {
		return r.spool(ctx, source, d, "events wait in the spool")
	}
	// The broker gets most of the deadline; the rest is the spool's.
	pctx, cancel := context.WithTimeout(ctx, r.cfg.PublishTimeout-min(r.cfg.PublishTimeout/4, 2*time.Second))
	defer cancel()
	receipt, err := r.publish(pctx, source, d)
	if err == nil || errors.Is(err, sinks.ErrTooLarge) {
		return receipt, err
	}
	return r.spool(ctx, source, d, err.Error())
}

// publish stores d's event in the broker and writes its delivery record.
func (r *Receiver) publish(ctx context.Context, source string, d *Decoded) (sinks.Receipt, error) {
	// The delivery record is written while the event is published, so
	// that a delivery waits for one broker round trip, not two. Either may
	// fail alone: a retry is then dropped as a duplicate event, or finds
	// the record already there.
	var recorded chan error
	if r.cfg.Recorder != nil && d.CallbackURL != "" {
		recorded = make(chan error, 1)
		go func() { recorded <- r.cfg.Recorder.Received(ctx, source, d, r.cfg.Sink.Destination()) }()
	}
	began := time.Now()
	receipt, err := r.cfg.Sink.Publish(ctx, d.Address, &d.Event)
	var recErr error
	if recorded != nil {
		recErr = <-recorded
	}
	if err != nil {
		return receipt, err
	}
	if m := r.cfg.Metrics; m != nil {
		m.publishSeconds.WithLabelValues(receipt.Broker).Observe(time.Since(began).Seconds())
		if receipt.Duplicate {
			m.duplicates.WithLabelValues(receipt.Broker).Inc()
		} else {
			m.published.WithLabelValues(d.Event.Type(), receipt.Broker).Inc()
		}
	}
	if recErr != nil {
		return receipt, fmt.Errorf("%w: %w", errNotRecorded, recErr)
	}
	return receipt, nil
}

// spool keeps d on local disk; the spool's forwarder publishes it and
// writes its delivery record once the broker is back.
func (r *Receiver) spool(ctx context.Context, source string, d *Decoded, why string) (sinks.Receipt, error) {
	receipt, err := r.cfg.Spool.Put(ctx, spool.Entry{Source: source, Address: d.Address, CallbackURL: d.CallbackURL, Event: &d.Event})
	if err != nil && !errors.Is(err, spool.ErrFull) {
		return receipt, fmt.Errorf("%w (%s): %w", errNotSpooled, why, err)
	}
	if err == nil {
		r.cfg.Logger.Info("event spooled", "event_id", d.Event.ID(), "reason", why)
	}
	return receipt, err
}

// authorized checks the tokens a request presents (in the path, as
// Authorization: Bearer, as the access_token query parameter, the ways the
// CloudEvents webhook spec allows; raw or Basic where configured) against
// valid, every pair in constant time and without stopping early.
func (r *Receiver) authorized(req *http.Request, pathToken string, valid [][sha256.Size]byte) bool {
	candidates := []string{pathToken, req.URL.Query().Get("access_token")}
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
	for _, c := range candidates {
		sum := sha256.Sum256([]byte(c))
		for _, v := range valid {
			ok |= subtle.ConstantTimeCompare(sum[:], v[:]) & boolInt(c != "")
		}
	}
	return ok == 1
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ready answers /readyz: ready when a delivery can be stored now, in the
// broker or, while the broker is away, in the spool.
func (r *Receiver) ready(w http.ResponseWriter, req *http.Request) {
	ctx, cancel := context.WithTimeout(req.Context(), 2*time.Second)
	defer cancel()
	body := map[string]any{"status": "ready"}
	brokerErr := r.cfg.Sink.Ready(ctx)
	if brokerErr != nil {
		body["status"], body["error"] = "unavailable", brokerErr.Error()
	}
	if sp := r.cfg.Spool; sp != nil {
		st, err := sp.Status(ctx)
		switch {
		case err != nil:
			body["status"], body["error"] = "unavailable", err.Error()
		case int64(st.Bytes)+r.cfg.MaxBodyBytes > st.MaxBytes:
			body["status"], body["error"] = "unavailable", fmt.Sprintf("the spool is full (%d of %d bytes); deliveries are answered 503 until the broker takes its events", st.Bytes, st.MaxBytes)
		case brokerErr != nil:
			body["status"], body["error"] = "ready", "broker unavailable ("+brokerErr.Error()+"); deliveries are spooled"
		}
		body["spool"] = st
	}
	if body["status"] != "ready" {
		w.Header().Set("Retry-After", retryAfterSeconds)
		writeJSON(w, http.StatusServiceUnavailable, body)
		return
	}
	writeJSON(w, http.StatusOK, body)
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

// isJSON accepts what a registry may send: no Content-Type at all (Docker
// Hub does not document one), application/json, or any +json type.
func isJSON(ct string) bool {
	if ct == "" {
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

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if a, ok := body.(Accepted); ok { // every delivery's answer: no reflection
		w.Write(a.appendJSON(make([]byte, 0, 256)))
		return
	}
	json.NewEncoder(w).Encode(body)
}

// Recorder keeps the delivery records of the events the receiver stores
// (the reply subscriber, which needs the callback_url hubwire keeps out
// of the event). Received is called for every event with a callback_url,
// while it is being published; where names the sink's destination. Any
// other event is recorded by its first ack, if it gets one.
type Recorder interface {
	Received(ctx context.Context, source string, d *Decoded, where sinks.Receipt) error
}
