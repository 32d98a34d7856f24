// Package server is hubwire serve's runtime, outside main as nats-server's
// is: Options say everything the command was told, New checks them, Start
// brings up the broker (or connects to it), the store, the reply
// subscriber and the HTTP receiver, and Shutdown takes them down in the
// order that loses nothing answered 202. End-to-end tests run it in
// process like the command does.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only with DebugAddr
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/receiver"
	"github.com/hubwire/hubwire/console"
	"github.com/hubwire/hubwire/schemas"
	"github.com/hubwire/hubwire/sinks/spool"
	"github.com/hubwire/hubwire/sinks/store"
)

// Options are everything hubwire serve is told; cmd/hubwire reads them
// from flags, HUBWIRE_ variables and the config file, and checks each.
type Options struct {
	// Registries are the registries served, each at /hooks/<name>/<token>.
	Registries adapter.List
	// HTTPAddr is where the receiver listens; PublicURL how registries
	// reach it (default http(s)://HTTPAddr, loopback for 0.0.0.0).
	HTTPAddr, PublicURL string
	// DataDir holds the embedded JetStream store, the spool and the
	// generated token.
	DataDir string
	// Token is the webhook token; empty: the one kept in DataDir, made on
	// first start. SourceTokens are a registry's own tokens.
	Token        string
	SourceTokens map[string][]string
	// Sources are the registries' settings from the config file; their
	// signature checks apply here (tokens and required consumers come in
	// SourceTokens and Reply.Required, merged with the flags).
	Sources map[string]Source
	// RawAuthorization and BasicAuth also take the token as the whole
	// Authorization header or as Basic's password.
	RawAuthorization, BasicAuth bool
	Tracing                     bool

	Broker Broker
	Reply  Reply

	MaxBodyBytes   int64
	SpoolMaxBytes  int64
	PublishTimeout time.Duration
	MaxInFlight    int
	// MaxInFlightBytes bounds the bytes of the bodies held at once.
	MaxInFlightBytes int64
	AllowedOrigins   []string
	AllowedRate      string
	RateLimit        float64
	// SourceRateLimit bounds each registry's deliveries a second.
	SourceRateLimit float64

	// TLSCert and TLSKey serve HTTPS (reloaded when the files change);
	// TLSClientCA verifies client certificates.
	TLSCert, TLSKey, TLSClientCA string
	ReadHeaderTimeout            time.Duration
	ReadTimeout                  time.Duration
	WriteTimeout                 time.Duration
	IdleTimeout                  time.Duration
	MaxHeaderBytes               int

	// DebugAddr serves net/http/pprof; empty keeps it off.
	DebugAddr string
	// Version is printed in the banner.
	Version string
	Logger  *slog.Logger
}

// Server is a running hubwire: the broker (embedded or connected), the
// store, the reply subscriber and the HTTP receiver.
type Server struct {
	opts         Options
	log          *slog.Logger
	broker       *broker
	reply        replier
	store        *store.Store
	http         *http.Server
	cons         *console.Console // nil without a console
	debug        *http.Server     // the profiler, with DebugAddr
	httpAddr     net.Addr
	httpErr      chan error
	publicURL    string
	token        string
	tokenCreated bool
}

// New checks opts and returns a Server to Start.
func New(opts Options) (*Server, error) {
	if err := opts.Check(); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Server{opts: opts, log: opts.Logger, httpErr: make(chan error, 1)}, nil
}

// Start brings hubwire up; on error, whatever it had started is stopped.
// Once it returns nil, deliveries are taken.
func (s *Server) Start(ctx context.Context) (err error) {
	opts, log := s.opts, s.log
	// A start that fails leaves no half-made data directory behind: one
	// this start created is removed again (after the shutdown below).
	if _, statErr := os.Stat(opts.DataDir); errors.Is(statErr, fs.ErrNotExist) {
		defer func() {
			if err != nil {
				os.RemoveAll(opts.DataDir)
			}
		}()
	}
	defer func() {
		if err != nil {
			s.Shutdown(context.Background())
		}
	}()
	if err := usableDir(opts.DataDir); err != nil {
		return err
	}

	s.token = opts.Token
	if s.token == "" {
		if s.token, s.tokenCreated, err = receiver.LoadOrCreateToken(opts.DataDir); err != nil {
			return err
		}
	}
	spoolBytes := opts.SpoolMaxBytes
	if opts.Broker.Kind != "nats" && opts.Broker.Kind != "kafka" {
		spoolBytes = 0 // the broker is in the process: nothing to outlast
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var late *lateReplier
	switch s.broker, err = opts.Broker.open(ctx, opts.DataDir, opts.MaxBodyBytes, log); {
	case err == nil:
	case spoolBytes > 0 && unreachable(err):
		// With a spool, hubwire starts without the broker: deliveries are
		// spooled, and forwarded once it is reached (its streams or topics
		// checked then).
		log.Warn("the broker is not reachable; starting all the same: deliveries are spooled until it is", "broker", opts.Broker.brokerName(), "error", err)
		late = &lateReplier{}
		s.broker = opts.Broker.late(err, func(ctx context.Context) (*broker, error) {
			return opts.Broker.open(ctx, opts.DataDir, opts.MaxBodyBytes, log)
		}, func(b *broker) {
			rep, err := s.startReply(context.Background(), b, reg)
			if err != nil {
				log.Error("acks and callbacks are off: the reply subscriber did not start", "error", err)
			}
			late.set(rep)
		}, log)
	case opts.Broker.Kind != "embedded" && unreachable(err):
		if s.broker, err = opts.Broker.waitForBroker(ctx, opts.DataDir, opts.MaxBodyBytes, log); err != nil {
			return err
		}
	default:
		return err
	}

	ln, err := net.Listen("tcp", opts.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP receiver cannot listen on %s: %w (choose another with --http-addr)", opts.HTTPAddr, err)
	}
	defer func() {
		if err != nil {
			ln.Close()
		}
	}()
	s.httpAddr = ln.Addr()
	if s.unreachable() {
		log.Warn("the receiver listens on all interfaces, but without --public-url the webhook URLs name 127.0.0.1, which no registry on another machine can reach: set --public-url (HUBWIRE_PUBLIC_URL)", "http_addr", opts.HTTPAddr)
	}
	if b := opts.Broker; s.broker.embedded != nil && b.Embedded.AllowAnonymous && !isLoopback(b.NATSAddr) {
		log.Warn("the embedded NATS server takes clients without credentials (--nats-allow-anonymous) on an address other machines can reach: anyone there can read, forge and delete events", "nats_addr", b.NATSAddr)
	}
	s.publicURL = strings.TrimSuffix(opts.PublicURL, "/")
	if s.publicURL == "" {
		scheme := "http://"
		if opts.TLSCert != "" {
			scheme = "https://"
		}
		s.publicURL = scheme + loopbackIfUnspecified(ln.Addr().(*net.TCPAddr))
	}
	if late != nil {
		s.reply = late
	} else if s.reply, err = s.startReply(ctx, s.broker, reg); err != nil {
		return err
	}
	var recorder store.Recorder
	var api http.Handler
	if s.reply != nil {
		recorder, api = s.reply, s.reply
	}
	s.store, err = store.New(ctx, store.Config{
		Sink:          s.broker.sink,
		Recorder:      recorder,
		Timeout:       opts.PublishTimeout,
		SpoolDir:      opts.DataDir,
		SpoolMaxBytes: spoolBytes,
		Metrics:       store.NewMetrics(reg),
		Logger:        log,
	})
	if err != nil {
		return err
	}
	if sp := s.store.Spool(); sp != nil {
		sp.Register(reg)
	}
	verifiers, err := verifiers(opts.Sources)
	if err != nil {
		return err
	}
	publish, drop := filters(opts.Sources)
	headers, err := tokenHeaders(opts.Sources)
	if err != nil {
		return err
	}
	cons, err := s.console(reg)
	if err != nil {
		return err
	}
	if cons != nil {
		defer func() {
			if err != nil {
				cons.Close() // its sampler stops
			}
		}()
	}
	recv, err := receiver.New(receiver.Config{
		Registries:       opts.Registries,
		SchemaBase:       s.publicURL + "/schemas/",
		Store:            s.store,
		Token:            s.token,
		MaxBodyBytes:     opts.MaxBodyBytes,
		MaxInFlight:      opts.MaxInFlight,
		MaxInFlightBytes: opts.MaxInFlightBytes,
		AllowedOrigins:   opts.AllowedOrigins,
		AllowedRate:      opts.AllowedRate,
		SourceTokens:     opts.SourceTokens,
		TokenHeaders:     headers,
		Verifiers:        verifiers,
		Publish:          publish,
		Drop:             drop,
		Tracing:          opts.Tracing,
		RawAuthorization: opts.RawAuthorization,
		BasicAuth:        opts.BasicAuth,
		RateLimit:        opts.RateLimit,
		SourceRateLimit:  opts.SourceRateLimit,
		Schemas:          schemas.FS(),
		API:              api,
		Console:          consoleHandler(cons),
		Metrics:          receiver.NewMetrics(reg),
		Gatherer:         reg,
		Logger:           log,
	})
	if err != nil {
		return err
	}
	s.http = &http.Server{
		Handler:           recv,
		ReadHeaderTimeout: opts.ReadHeaderTimeout,
		ReadTimeout:       opts.ReadTimeout,
		WriteTimeout:      opts.WriteTimeout,
		IdleTimeout:       opts.IdleTimeout,
		MaxHeaderBytes:    opts.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if cons != nil {
		s.http.RegisterOnShutdown(cons.Close)
		s.cons = cons
	}
	if opts.DebugAddr != "" {
		// http.DefaultServeMux holds net/http/pprof's handlers.
		s.debug = &http.Server{Addr: opts.DebugAddr, Handler: http.DefaultServeMux, ReadHeaderTimeout: opts.ReadHeaderTimeout}
		go func() {
			if err := s.debug.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
				log.Warn("profiler stopped", "error", err)
			}
		}()
	}
	if opts.TLSCert != "" {
		if s.http.TLSConfig, err = ReceiverTLS(opts.TLSCert, opts.TLSKey, opts.TLSClientCA); err != nil {
			return err
		}
		ln = tls.NewListener(ln, s.http.TLSConfig)
	}
	go func() {
		if err := s.http.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.httpErr <- err
		}
	}()
	return nil
}

// usableDir makes dir if it is missing and checks that hubwire can write
// in it, naming the directory and the flag that chooses it.
func usableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data directory %s cannot be created: %w (choose another with --data-dir)", dir, err)
	}
	probe, err := os.CreateTemp(dir, ".hubwire-write-check-*")
	if err != nil {
		return fmt.Errorf("data directory %s is not writable: %w (give hubwire's user write access, or choose another with --data-dir)", dir, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// isLoopback reports whether a host:port listens on loopback only.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Ready reports whether a delivery would be stored now, as /readyz does:
// nil, or what is missing.
func (s *Server) Ready(ctx context.Context) error {
	if s.store == nil {
		return errors.New("not started")
	}
	if r := s.store.Ready(ctx, s.opts.MaxBodyBytes); r.Status != "ready" {
		return errors.New(r.Error)
	}
	return nil
}

// Err delivers the error that stopped the HTTP receiver, if one does.
func (s *Server) Err() <-chan error { return s.httpErr }

// loopbackIfUnspecified names a listen address the way a URL can use:
// 0.0.0.0 and :: become 127.0.0.1 (--public-url says what others use).
func loopbackIfUnspecified(a *net.TCPAddr) string {
	if a.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", fmt.Sprint(a.Port))
	}
	return a.String()
}

// WebhookURL is the URL a registry delivers to: its own first token, or
// the webhook token.
func (s *Server) WebhookURL(registry string) string {
	token := s.token
	if own := s.opts.SourceTokens[registry]; len(own) > 0 {
		token = own[0]
	}
	return s.publicURL + "/hooks/" + registry + "/" + token
}

// PublicURL is the receiver's URL, as registries reach it.
func (s *Server) PublicURL() string { return s.publicURL }

// HTTPAddr is the address the receiver listens on.
func (s *Server) HTTPAddr() net.Addr { return s.httpAddr }

// Token is the webhook token.
func (s *Server) Token() string { return s.token }

// EmbeddedURL is the client URL of the embedded NATS server; empty when
// hubwire uses an external broker.
func (s *Server) EmbeddedURL() string {
	if s.broker == nil || s.broker.embedded == nil {
		return ""
	}
	return s.broker.embedded.ClientURL()
}

// EmbeddedLogin is hubwire's user and password on the embedded NATS
// server; empty when hubwire uses an external broker.
func (s *Server) EmbeddedLogin() (user, password string) {
	if s.broker == nil || s.broker.embedded == nil {
		return "", ""
	}
	return s.broker.user, s.broker.password
}

// Spool is the spool in front of an external broker; nil when there is
// none.
func (s *Server) Spool() *spool.Spool {
	if s.store == nil {
		return nil
	}
	return s.store.Spool()
}

// Describe prints what a user needs to connect a registry and a consumer.
// The webhook URLs hold the token: they are printed whole only with
// showToken (the command says so when the token was just made or its
// output is a terminal); otherwise the token is masked and the banner says
// where it is kept, so that it stays out of journald and docker logs.
func (s *Server) Describe(w io.Writer, showToken bool) {
	fmt.Fprintf(w, "hubwire %s is ready.\n\n", s.opts.Version)
	fmt.Fprintf(w, "Events:    %s\n", s.broker.where)
	if s.broker.login != "" {
		fmt.Fprintf(w, "NATS:      %s\n", s.broker.login)
	}
	tokenFile := filepath.Join(s.opts.DataDir, receiver.TokenFile)
	switch {
	case s.tokenCreated:
		fmt.Fprintf(w, "Token:     generated and kept in %s\n", tokenFile)
	case !showToken && s.opts.Token != "":
		fmt.Fprintf(w, "Token:     the one given with --token (HUBWIRE_TOKEN); shown as <token> below\n")
	case !showToken:
		fmt.Fprintf(w, "Token:     kept in %s; shown as <token> below (print it with: hubwire token --data-dir %s)\n", tokenFile, s.opts.DataDir)
	}
	if s.unreachable() {
		fmt.Fprintf(w, "\nWarning:   the receiver listens on %s, but these URLs name 127.0.0.1, which no registry\n"+
			"           on another machine can reach: set --public-url (HUBWIRE_PUBLIC_URL) to the URL\n"+
			"           registries use, such as https://hooks.example.com\n", s.opts.HTTPAddr)
	}
	fmt.Fprintf(w, "\nWebhook URLs (they hold the secret token: keep them private):\n")
	width := 0
	for _, r := range s.opts.Registries {
		width = max(width, len(r.Title))
	}
	for _, r := range s.opts.Registries {
		url := s.WebhookURL(r.Name)
		if !showToken && !s.tokenCreated {
			url = s.publicURL + "/hooks/" + r.Name + "/<token>"
		}
		// The hint is said where the URL is copied from, since a URL that
		// needs more (Quay's ?event=) fails only at the first delivery; an
		// empty hint leaves the line as it was.
		fmt.Fprintf(w, "  %-*s  %s%s\n", width+1, r.Title+":", url, r.WebhookHint)
	}
	fmt.Fprintf(w, "\nWatch the events:  %s\n", s.broker.watch)
	fmt.Fprintf(w, "Schemas:           %s/schemas/<name>.json\n", s.publicURL)
}

// unreachable reports whether the printed URLs name loopback although the
// receiver takes deliveries from other machines (no --public-url).
func (s *Server) unreachable() bool {
	if s.opts.PublicURL != "" || s.httpAddr == nil {
		return false
	}
	a, ok := s.httpAddr.(*net.TCPAddr)
	return ok && a.IP.IsUnspecified()
}

// Shutdown stops in order: the receiver first (finishing in-flight
// deliveries, each waiting for its ack), then the reply subscriber, the
// spool, the sink and the embedded server, so that nothing that was
// answered 202 is lost. ctx bounds the wait for in-flight deliveries.
func (s *Server) Shutdown(ctx context.Context) error {
	var errs []error
	if s.http != nil {
		if err := s.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("HTTP receiver did not finish in time: %w", err))
		}
	}
	if s.debug != nil {
		s.debug.Close()
	}
	// A console's replay ends with the event it is writing, and notes
	// what it sent in the records, in the broker: before the broker stops.
	if s.cons != nil {
		if err := s.cons.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	// The reply subscriber first, so that no callback attempt starts
	// while the rest stops; then the spool (a forward cut short by it is
	// kept, with what it has not forwarded, for the next start).
	if s.reply != nil {
		s.reply.Stop()
	}
	if s.store != nil {
		s.store.Close()
	}
	if b := s.broker; b != nil {
		b.sink.Close()
		if b.embedded != nil {
			b.embedded.Shutdown()
			b.embedded.WaitForShutdown()
		}
	}
	return errors.Join(errs...)
}
