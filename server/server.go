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
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only with DebugAddr
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/receiver"
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
	AllowedOrigins []string
	AllowedRate    string
	RateLimit      float64
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
	debug        *http.Server // the profiler, with DebugAddr
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
	defer func() {
		if err != nil {
			s.Shutdown(context.Background())
		}
	}()

	s.token = opts.Token
	if s.token == "" {
		if s.token, s.tokenCreated, err = receiver.LoadOrCreateToken(opts.DataDir); err != nil {
			return err
		}
	}
	if s.broker, err = opts.Broker.open(ctx, opts.DataDir, opts.MaxBodyBytes, log); err != nil {
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
	s.publicURL = strings.TrimSuffix(opts.PublicURL, "/")
	if s.publicURL == "" {
		scheme := "http://"
		if opts.TLSCert != "" {
			scheme = "https://"
		}
		s.publicURL = scheme + loopbackIfUnspecified(ln.Addr().(*net.TCPAddr))
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	if s.reply, err = s.startReply(ctx, reg); err != nil {
		return err
	}
	var recorder store.Recorder
	var api http.Handler
	if s.reply != nil {
		recorder, api = s.reply, s.reply
	}
	spoolBytes := opts.SpoolMaxBytes
	if s.broker.embedded != nil {
		spoolBytes = 0 // the broker is in the process: nothing to outlast
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
	cons, err := s.console()
	if err != nil {
		return err
	}
	recv, err := receiver.New(receiver.Config{
		Registries:       opts.Registries,
		SchemaBase:       s.publicURL + "/schemas/",
		Store:            s.store,
		Token:            s.token,
		MaxBodyBytes:     opts.MaxBodyBytes,
		MaxInFlight:      opts.MaxInFlight,
		AllowedOrigins:   opts.AllowedOrigins,
		AllowedRate:      opts.AllowedRate,
		SourceTokens:     opts.SourceTokens,
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

// Spool is the spool in front of an external broker; nil when there is
// none.
func (s *Server) Spool() *spool.Spool {
	if s.store == nil {
		return nil
	}
	return s.store.Spool()
}

// Describe prints what a user needs to connect a registry and a consumer.
func (s *Server) Describe(w io.Writer) {
	fmt.Fprintf(w, "hubwire %s is ready.\n\n", s.opts.Version)
	fmt.Fprintf(w, "Events:    %s\n", s.broker.where)
	if s.tokenCreated {
		fmt.Fprintf(w, "Token:     generated and kept in %s/%s\n", s.opts.DataDir, receiver.TokenFile)
	}
	fmt.Fprintf(w, "\nWebhook URLs (they hold the secret token: keep them private):\n")
	width := 0
	for _, r := range s.opts.Registries {
		width = max(width, len(r.Title))
	}
	for _, r := range s.opts.Registries {
		// The hint is said where the URL is copied from, since a URL that
		// needs more (Quay's ?event=) fails only at the first delivery; an
		// empty hint leaves the line as it was.
		fmt.Fprintf(w, "  %-*s  %s%s\n", width+1, r.Title+":", s.WebhookURL(r.Name), r.WebhookHint)
	}
	fmt.Fprintf(w, "\nWatch the events:  %s\n", s.broker.watch)
	fmt.Fprintf(w, "Schemas:           %s/schemas/<name>.json\n", s.publicURL)
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
