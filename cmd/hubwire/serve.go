package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only with --debug-addr
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/dockerhub"
	"github.com/hubwire/hubwire/adapter/dtr"
	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/adapter/reply/kafkareply"
	"github.com/hubwire/hubwire/adapter/reply/natsreply"
	"github.com/hubwire/hubwire/schemas"
	"github.com/hubwire/hubwire/sinks"
	"github.com/hubwire/hubwire/sinks/spool"
)

const serveSummary = `Receive container registry webhooks and publish each as a CloudEvent to
NATS JetStream, answering the registry 202 only once the event is stored.

With no flags it runs an embedded NATS server with JetStream on a file store
under --data-dir, and prints the webhook URLs (with a token it generates on
first start and keeps in the data directory) to paste into Docker Hub or DTR.
Consumers subscribe to hubwire.events.> on the NATS server.

With --broker it publishes to an external NATS (cluster) or to Kafka instead.`

type serveConfig struct {
	httpAddr        string
	publicURL       string
	dataDir         string
	broker          brokerConfig
	token           string
	maxBodyBytes    int64
	spoolMaxBytes   int64
	publishTimeout  time.Duration
	shutdownTimeout time.Duration
	maxInFlight     int
	allowedOrigins  listFlag
	allowedRate     string
	rateLimit       float64
	sourceRateLimit float64
	sourceTokens    listFlag
	acceptAuth      listFlag
	tracing         bool
	tlsCert, tlsKey string
	tlsClientCA     string
	readTimeout     time.Duration
	writeTimeout    time.Duration
	idleTimeout     time.Duration
	headerTimeout   time.Duration
	maxHeaderBytes  int
	logLevel        slog.Level
	logFormat       string

	reply replyConfig
	// debugAddr serves net/http/pprof; empty keeps it off.
	debugAddr string
	// configFile is the YAML file of settings; sources its per-source part.
	configFile string
	sources    map[string]sourceSettings

	// The flags' text, before parsing.
	modeText, levelText string
}

// replyConfig is what the flags say about acks and callbacks.
type replyConfig struct {
	required        listFlag
	ackTimeout      time.Duration
	allowHosts      listFlag
	allowInsecure   bool
	attempts        int
	callbackTimeout time.Duration
}

func (r *replyConfig) register(f *flags) {
	f.Var(&r.required, "required-consumers", "`names` of the consumers (comma-separated) whose acks a callback waits\nfor; without them the first ack decides")
	f.DurationVar(&r.ackTimeout, "ack-timeout", 30*time.Minute, "how long required consumers have to answer before the callback\nsays error (`duration`)")
	r.allowHosts = listFlag{values: slices.Clone(reply.DefaultAllowedHosts)}
	f.Var(&r.allowHosts, "callback-allow-host", "`host` a callback may be posted to (repeatable, or comma-separated);\nany other callback_url is never contacted")
	f.BoolVar(&r.allowInsecure, "callback-allow-insecure", false, "allow callbacks over plain http (https only by default)")
	f.IntVar(&r.attempts, "callback-attempts", 8, "most `attempts` of one callback (network errors, 5xx and 429 are retried)")
	f.DurationVar(&r.callbackTimeout, "callback-timeout", 10*time.Second, "time limit of one callback attempt (`duration`)")
}

func (r *replyConfig) check() error {
	switch {
	case r.ackTimeout <= 0:
		return fmt.Errorf("--ack-timeout %v: must be positive", r.ackTimeout)
	case r.attempts < 1:
		return fmt.Errorf("--callback-attempts %d: must be at least 1", r.attempts)
	case r.callbackTimeout <= 0:
		return fmt.Errorf("--callback-timeout %v: must be positive", r.callbackTimeout)
	case len(r.allowHosts.values) == 0:
		return errors.New("--callback-allow-host: name at least one host")
	}
	return nil
}

// register defines every flag of serve on f.
func (c *serveConfig) register(f *flags) {
	f.StringVar(&c.httpAddr, "http-addr", "127.0.0.1:8080", "`host:port` the webhook receiver listens on (0.0.0.0:8080 to take\ndeliveries from other machines; loopback by default)")
	f.StringVar(&c.publicURL, "public-url", "", "`URL` under which registries reach the receiver, used in the printed\nwebhook URLs and in each event's dataschema (default http://<http-addr>)")
	f.StringVar(&c.dataDir, "data-dir", "./hubwire-data", "`directory` for the embedded JetStream store and the generated token")
	f.StringVar(&c.token, "token", "", "webhook `token` to use instead of the generated one (16 or more\nletters, digits, - . _ ~)")
	f.Var(&c.sourceTokens, "source-token", "a source's own webhook token, as `source=token` (repeatable, for rotation);\na source with tokens of its own takes only those")
	f.Var(&c.acceptAuth, "accept-authorization", "also take the token as the whole Authorization header (`raw`, as Harbor\nsends it) or as the password of HTTP Basic (basic); comma-separated")
	f.BoolVar(&c.tracing, "tracing", false, "carry each delivery's W3C trace context (its traceparent, or a new one)\nin the event's traceparent and tracestate extensions, for consumers to continue")
	f.StringVar(&c.tlsCert, "tls-cert", "", "PEM certificate `file` for the receiver to serve HTTPS (with --tls-key);\nreloaded when the file changes")
	f.StringVar(&c.tlsKey, "tls-key", "", "PEM private key `file` of --tls-cert")
	f.StringVar(&c.tlsClientCA, "tls-client-ca", "", "PEM `file` of CAs whose client certificates are verified when a sender\npresents one (mTLS)")
	f.DurationVar(&c.headerTimeout, "read-header-timeout", 10*time.Second, "time a client has to send its request headers (`duration`)")
	f.DurationVar(&c.readTimeout, "read-timeout", 30*time.Second, "time a client has to send a whole request (`duration`)")
	f.DurationVar(&c.writeTimeout, "write-timeout", 45*time.Second, "time to answer a request, publish included (`duration`); keep it\nabove --publish-timeout")
	f.DurationVar(&c.idleTimeout, "idle-timeout", 2*time.Minute, "how long an idle keep-alive connection stays open (`duration`)")
	f.IntVar(&c.maxHeaderBytes, "max-header-bytes", 64<<10, "largest request headers accepted, in `bytes`")
	f.StringVar(&c.modeText, "ce-mode", string(sinks.Binary), "CloudEvents content `mode`: binary (ce- headers, data as the body)\nor structured (the whole event as JSON)")
	f.Int64Var(&c.maxBodyBytes, "max-body-bytes", 1<<20, "largest delivery accepted, in `bytes` (413 above it)")
	f.Int64Var(&c.spoolMaxBytes, "spool-max-bytes", 1<<30, "size in `bytes` of the local spool under --data-dir that keeps deliveries\nan external broker cannot take in time (answered 202 with \"spooled\": true,\nforwarded in order when it is back); 503 when full; 0 turns it off")
	f.DurationVar(&c.publishTimeout, "publish-timeout", 10*time.Second, "how long a delivery waits for the broker to store its event\n(`duration`) before it is answered 503")
	f.IntVar(&c.maxInFlight, "max-in-flight", 1024, "most deliveries handled at once (`count`); more are answered 503\nwith Retry-After; 0 for no cap")
	f.Float64Var(&c.rateLimit, "rate-limit", 0, "most deliveries a second in all (`rate`; 429 with Retry-After above it);\n0 for no limit")
	f.Float64Var(&c.sourceRateLimit, "source-rate-limit", 0, "most deliveries a second from each source (`rate`); 0 for no limit")
	f.Var(&c.allowedOrigins, "webhook-allowed-origin", "`origin` granted in the CloudEvents webhook handshake (OPTIONS with\nWebHook-Request-Origin; repeatable, * for any); none by default")
	f.StringVar(&c.allowedRate, "webhook-allowed-rate", "*", "WebHook-Allowed-Rate granted in that handshake (`requests` a minute, or *)")
	f.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 30*time.Second, "on SIGINT or SIGTERM, how long in-flight deliveries may take to\nfinish (`duration`)")
	f.StringVar(&c.levelText, "log-level", "info", "log `level`: debug, info, warn or error")
	f.StringVar(&c.logFormat, "log-format", "text", "log `format`: text or json")
	f.StringVar(&c.configFile, "config", "", "YAML `file` of settings: the flags' names (without --) as keys, and\nper-source settings under sources; flags and HUBWIRE_ variables win over it")
	f.StringVar(&c.debugAddr, "debug-addr", "", "`host:port` to serve Go's profiler (net/http/pprof) on, for\nperformance work; off by default, and never expose it")
	c.broker.register(f)
	c.reply.register(f)
}

func parseServe(args []string, stderr io.Writer, getenv func(string) string) (serveConfig, error) {
	var c serveConfig
	f := newFlags("serve", serveSummary)
	f.SetOutput(stderr)
	c.register(f)
	return parseServeWith(f, &c, args, getenv)
}

// parseServeWith reads args, the environment and the config file into c,
// whose flags are registered on f, and checks the result.
func parseServeWith(f *flags, cp *serveConfig, args []string, getenv func(string) string) (serveConfig, error) {
	if err := f.parse(args, getenv); err != nil {
		return *cp, err
	}
	if cp.configFile != "" {
		var err error
		if cp.sources, err = f.applyFile(cp.configFile); err != nil {
			return *cp, err
		}
	}
	c := *cp
	var err error
	if c.broker.mode, err = sinks.ParseMode(c.modeText); err != nil {
		return c, fmt.Errorf("--ce-mode: %w", err)
	}
	if err := c.logLevel.UnmarshalText([]byte(c.levelText)); err != nil {
		return c, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.levelText)
	}
	switch {
	case c.logFormat != "text" && c.logFormat != "json":
		return c, fmt.Errorf("--log-format %q: want text or json", c.logFormat)
	case c.maxBodyBytes <= 0:
		return c, fmt.Errorf("--max-body-bytes %d: must be positive", c.maxBodyBytes)
	case c.spoolMaxBytes < 0:
		return c, fmt.Errorf("--spool-max-bytes %d: must be 0 (no spool) or a size in bytes", c.spoolMaxBytes)
	case c.spoolMaxBytes > 0 && c.spoolMaxBytes < 4*c.maxBodyBytes:
		return c, fmt.Errorf("--spool-max-bytes %d is too small to hold even a few deliveries of --max-body-bytes %d; give it at least %d", c.spoolMaxBytes, c.maxBodyBytes, 4*c.maxBodyBytes)
	case c.publishTimeout <= 0:
		return c, fmt.Errorf("--publish-timeout %v: must be positive", c.publishTimeout)
	case c.allowedRate != "*" && !isPositiveInt(c.allowedRate):
		return c, fmt.Errorf("--webhook-allowed-rate %q: want a number of requests a minute, or *", c.allowedRate)
	case c.rateLimit < 0 || c.sourceRateLimit < 0:
		return c, fmt.Errorf("--rate-limit %v, --source-rate-limit %v: must be 0 (no limit) or more", c.rateLimit, c.sourceRateLimit)
	case c.maxInFlight < 0:
		return c, fmt.Errorf("--max-in-flight %d: must be 0 (no cap) or more", c.maxInFlight)
	case c.shutdownTimeout <= 0:
		return c, fmt.Errorf("--shutdown-timeout %v: must be positive", c.shutdownTimeout)
	case c.dataDir == "":
		return c, errors.New("--data-dir is empty: name a directory for the store and the token")
	}
	if _, _, err := net.SplitHostPort(c.httpAddr); err != nil {
		return c, fmt.Errorf("--http-addr %q: want host:port, such as 127.0.0.1:8080", c.httpAddr)
	}
	if c.token != "" {
		if err := adapter.CheckToken(c.token); err != nil {
			return c, fmt.Errorf("--token: %w", err)
		}
	}
	if c.publicURL != "" {
		u, err := url.Parse(c.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			return c, fmt.Errorf("--public-url %q: want an absolute http(s) URL such as https://hooks.example.com", c.publicURL)
		}
		c.publicURL = strings.TrimSuffix(c.publicURL, "/")
	}
	for _, form := range c.acceptAuth.values {
		if form != "raw" && form != "basic" {
			return c, fmt.Errorf("--accept-authorization %q: want raw, basic or both", form)
		}
	}
	for _, pair := range c.sourceTokens.values {
		source, tok, ok := strings.Cut(pair, "=")
		if !ok || (source != dockerhub.SourceName && source != dtr.SourceName) {
			return c, fmt.Errorf("--source-token: want dockerhub=<token> or dtr=<token>, not %q", strings.SplitN(pair, "=", 2)[0]+"=…")
		}
		if err := adapter.CheckToken(tok); err != nil {
			return c, fmt.Errorf("--source-token %s: %w", source, err)
		}
	}
	switch {
	case (c.tlsCert == "") != (c.tlsKey == ""):
		return c, errors.New("--tls-cert and --tls-key go together")
	case c.tlsClientCA != "" && c.tlsCert == "":
		return c, errors.New("--tls-client-ca needs --tls-cert and --tls-key")
	case c.headerTimeout <= 0 || c.readTimeout <= 0 || c.writeTimeout <= 0 || c.idleTimeout <= 0:
		return c, errors.New("--read-header-timeout, --read-timeout, --write-timeout, --idle-timeout: each must be positive")
	case c.writeTimeout <= c.publishTimeout:
		return c, fmt.Errorf("--write-timeout %v must be longer than --publish-timeout %v, or answers are cut off", c.writeTimeout, c.publishTimeout)
	case c.maxHeaderBytes < 4096:
		return c, fmt.Errorf("--max-header-bytes %d: at least 4096", c.maxHeaderBytes)
	}
	if c.tlsCert != "" {
		if _, err := receiverTLS(c.tlsCert, c.tlsKey, c.tlsClientCA); err != nil {
			return c, err
		}
	}
	if _, err := verifiersFor(c.sources); err != nil {
		return c, err
	}
	if err := c.reply.check(); err != nil {
		return c, err
	}
	return c, c.broker.check()
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg, err := parseServe(args, stderr, getenv)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg)
	inst, err := start(ctx, cfg, log)
	if err != nil {
		return err
	}
	inst.describe(stdout)
	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing in-flight deliveries", "timeout", cfg.shutdownTimeout)
	case err := <-inst.httpErr:
		inst.stop(context.Background())
		return fmt.Errorf("HTTP receiver: %w", err)
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	return inst.stop(stopCtx)
}

func newLogger(w io.Writer, cfg serveConfig) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.logLevel}
	if cfg.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// instance is a running hubwire: the embedded server (if any), the sink,
// and the HTTP receiver.
type instance struct {
	cfg          serveConfig
	log          *slog.Logger
	broker       *openedBroker
	reply        replier
	spool        *spool.Spool
	http         *http.Server
	httpAddr     net.Addr
	httpErr      chan error
	publicURL    string
	token        string
	tokenCreated bool
}

// start brings hubwire up; on error, whatever it had started is stopped.
func start(ctx context.Context, cfg serveConfig, log *slog.Logger) (_ *instance, err error) {
	inst := &instance{cfg: cfg, log: log, httpErr: make(chan error, 1)}
	defer func() {
		if err != nil {
			inst.stop(context.Background())
		}
	}()

	inst.token = cfg.token
	if inst.token == "" {
		if inst.token, inst.tokenCreated, err = adapter.LoadOrCreateToken(cfg.dataDir); err != nil {
			return nil, err
		}
	}

	if inst.broker, err = cfg.broker.open(ctx, cfg.dataDir, cfg.maxBodyBytes, log); err != nil {
		return nil, err
	}

	ln, err := net.Listen("tcp", cfg.httpAddr)
	if err != nil {
		return nil, fmt.Errorf("HTTP receiver cannot listen on %s: %w (choose another with --http-addr)", cfg.httpAddr, err)
	}
	inst.httpAddr = ln.Addr()
	inst.publicURL = cfg.publicURL
	if inst.publicURL == "" {
		scheme := "http://"
		if cfg.tlsCert != "" {
			scheme = "https://"
		}
		inst.publicURL = scheme + loopbackIfUnspecified(ln.Addr().(*net.TCPAddr))
	}
	schemaBase := inst.publicURL + "/schemas/"
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var recorder adapter.Recorder
	var api http.Handler
	poster := &reply.Poster{
		AllowedHosts: cfg.reply.allowHosts.values, AllowInsecure: cfg.reply.allowInsecure,
		Timeout: cfg.reply.callbackTimeout, MaxAttempts: cfg.reply.attempts,
		BaseDelay: time.Second, MaxDelay: 5 * time.Minute,
	}
	replyMetrics := reply.NewMetrics(reg)
	if nc := inst.broker.natsConn(); nc != nil {
		sub, err := natsreply.Start(ctx, natsreply.Config{
			Conn:       nc,
			Poster:     poster,
			Required:   requiredFor(cfg.reply.required.values, cfg.sources),
			AckTimeout: cfg.reply.ackTimeout,
			Retention:  cfg.broker.stream.MaxAge,
			Replicas:   cfg.broker.stream.Replicas,
			Metrics:    replyMetrics,
			Logger:     log.With("component", "reply"),
		})
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("reply subscriber: %w", err)
		}
		inst.reply = sub
	} else {
		sub, err := startKafkaReply(ctx, cfg, poster, replyMetrics, log.With("component", "reply"))
		if err != nil {
			// Events still flow; only callbacks need the extra topics.
			log.Warn("acks and callbacks are off", "reason", err)
		} else {
			inst.reply = sub
		}
	}
	if inst.reply != nil {
		recorder, api = inst.reply, inst.reply
	}
	verifiers, err := verifiersFor(cfg.sources)
	if err != nil {
		ln.Close()
		return nil, err
	}
	if cfg.broker.kind != "embedded" && cfg.spoolMaxBytes > 0 {
		if inst.spool, err = openSpool(ctx, cfg, inst.broker.sink, recorder, log); err != nil {
			ln.Close()
			return nil, err
		}
		inst.spool.Register(reg)
	}
	recv, err := adapter.NewReceiver(adapter.Config{
		Sources:          []adapter.Source{dockerhub.New(schemaBase), dtr.New(schemaBase)},
		Sink:             inst.broker.sink,
		Token:            inst.token,
		MaxBodyBytes:     cfg.maxBodyBytes,
		PublishTimeout:   cfg.publishTimeout,
		MaxInFlight:      cfg.maxInFlight,
		AllowedOrigins:   cfg.allowedOrigins.values,
		AllowedRate:      cfg.allowedRate,
		SourceTokens:     sourceTokens(cfg),
		Verifiers:        verifiers,
		Tracing:          cfg.tracing,
		RawAuthorization: slices.Contains(cfg.acceptAuth.values, "raw"),
		BasicAuth:        slices.Contains(cfg.acceptAuth.values, "basic"),
		RateLimit:        cfg.rateLimit,
		SourceRateLimit:  cfg.sourceRateLimit,
		Schemas:          schemas.FS(),
		Recorder:         recorder,
		Spool:            inst.spool,
		API:              api,
		Metrics:          adapter.NewMetrics(reg),
		Gatherer:         reg,
		Logger:           log,
	})
	if err != nil {
		ln.Close()
		return nil, err
	}
	inst.http = &http.Server{
		Handler:           recv,
		ReadHeaderTimeout: cfg.headerTimeout,
		ReadTimeout:       cfg.readTimeout,
		WriteTimeout:      cfg.writeTimeout,
		IdleTimeout:       cfg.idleTimeout,
		MaxHeaderBytes:    cfg.maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if cfg.debugAddr != "" {
		go func() {
			// http.DefaultServeMux holds net/http/pprof's handlers.
			err := http.ListenAndServe(cfg.debugAddr, http.DefaultServeMux)
			log.Warn("profiler stopped", "error", err)
		}()
	}
	if cfg.tlsCert != "" {
		if inst.http.TLSConfig, err = receiverTLS(cfg.tlsCert, cfg.tlsKey, cfg.tlsClientCA); err != nil {
			ln.Close()
			return nil, err
		}
		ln = tls.NewListener(ln, inst.http.TLSConfig)
	}
	go func() {
		if err := inst.http.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			inst.httpErr <- err
		}
	}()
	return inst, nil
}

// loopbackIfUnspecified names a listen address the way a URL can use:
// 0.0.0.0 and :: become 127.0.0.1 (--public-url says what others use).
func loopbackIfUnspecified(a *net.TCPAddr) string {
	if a.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", fmt.Sprint(a.Port))
	}
	return a.String()
}

func (inst *instance) webhookURL(source string) string {
	token := inst.token
	if own := sourceTokens(inst.cfg)[source]; len(own) > 0 {
		token = own[0]
	}
	return inst.publicURL + "/hooks/" + source + "/" + token
}

// sourceTokens gathers each source's own tokens: --source-token, or else
// the config file's sources section.
func sourceTokens(cfg serveConfig) map[string][]string {
	tokens := map[string][]string{}
	for _, pair := range cfg.sourceTokens.values {
		source, tok, _ := strings.Cut(pair, "=")
		tokens[source] = append(tokens[source], tok)
	}
	for name, src := range cfg.sources {
		if _, fromFlags := tokens[name]; !fromFlags && len(src.Tokens) > 0 {
			tokens[name] = src.Tokens
		}
	}
	return tokens
}

// describe prints what a user needs to connect a registry and a consumer.
func (inst *instance) describe(w io.Writer) {
	fmt.Fprintf(w, "hubwire %s is ready.\n\n", version())
	fmt.Fprintf(w, "Events:    %s\n", inst.broker.where)
	if inst.tokenCreated {
		fmt.Fprintf(w, "Token:     generated and kept in %s/%s\n", inst.cfg.dataDir, adapter.TokenFile)
	}
	fmt.Fprintf(w, "\nWebhook URLs (they hold the secret token: keep them private):\n")
	fmt.Fprintf(w, "  Docker Hub:  %s\n", inst.webhookURL(dockerhub.SourceName))
	fmt.Fprintf(w, "  DTR:         %s\n", inst.webhookURL(dtr.SourceName))
	fmt.Fprintf(w, "\nWatch the events:  %s\n", inst.broker.watch)
	fmt.Fprintf(w, "Schemas:           %s/schemas/<name>.json\n", inst.publicURL)
}

// stop shuts down in order: the receiver first (finishing in-flight
// deliveries, each waiting for its ack), then the sink, then the embedded
// server, so that nothing that was answered 202 is lost.
func (inst *instance) stop(ctx context.Context) error {
	var errs []error
	if inst.http != nil {
		if err := inst.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("HTTP receiver did not finish in time: %w", err))
		}
	}
	// The reply subscriber first, so that no callback attempt starts
	// while the rest stops; then the spool (a forward cut short by it is
	// kept, with what it has not forwarded, for the next start).
	if inst.reply != nil {
		inst.reply.Stop()
	}
	if inst.spool != nil {
		inst.spool.Close()
	}
	if b := inst.broker; b != nil {
		b.sink.Close()
		if b.embedded != nil {
			b.embedded.Shutdown()
			b.embedded.WaitForShutdown()
		}
	}
	return errors.Join(errs...)
}

// requiredFor applies --required-consumers to every source that the
// config file does not give consumers of its own.
func requiredFor(consumers []string, sources map[string]sourceSettings) map[string][]string {
	required := map[string][]string{}
	for _, name := range []string{dockerhub.SourceName, dtr.SourceName} {
		if s, ok := sources[name]; ok && s.RequiredConsumers != nil {
			required[name] = s.RequiredConsumers
		} else if len(consumers) > 0 {
			required[name] = consumers
		}
	}
	return required
}

func isPositiveInt(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n > 0
}

// replier is the reply subscriber on either broker.
type replier interface {
	adapter.Recorder
	http.Handler
	Stop()
}

func startKafkaReply(ctx context.Context, cfg serveConfig, poster *reply.Poster, m *reply.Metrics, log *slog.Logger) (*kafkareply.Subscriber, error) {
	auth, err := cfg.broker.kafka.auth.auth()
	if err != nil {
		return nil, err
	}
	dialer, err := auth.Dialer()
	if err != nil {
		return nil, err
	}
	transport, err := auth.Transport()
	if err != nil {
		return nil, err
	}
	return kafkareply.Start(ctx, kafkareply.Config{
		Brokers: cfg.broker.kafkaBrokers(), Dialer: dialer, Transport: transport,
		AcksTopic: cfg.broker.kafka.acksTopic, DeliveriesTopic: cfg.broker.kafka.deliveriesTopic, GroupID: "hubwire-reply",
		Poster: poster, Required: requiredFor(cfg.reply.required.values, cfg.sources), AckTimeout: cfg.reply.ackTimeout,
		Retention: cfg.broker.stream.MaxAge, Metrics: m, Logger: log,
	})
}

// openSpool opens the local spool in front of an external broker. A
// spooled event's delivery record is written when it is forwarded, since
// the record lives in the broker too.
func openSpool(ctx context.Context, cfg serveConfig, primary sinks.Sink, recorder adapter.Recorder, log *slog.Logger) (*spool.Spool, error) {
	return spool.Open(ctx, spool.Config{
		Dir:      cfg.dataDir,
		MaxBytes: cfg.spoolMaxBytes,
		Primary:  primary,
		Forwarded: func(ctx context.Context, e spool.Entry, _ sinks.Receipt) error {
			if recorder == nil {
				return nil
			}
			d := &adapter.Decoded{Event: *e.Event, Address: e.Address, CallbackURL: e.CallbackURL}
			return recorder.Received(ctx, e.Source, d, primary.Destination())
		},
		ForwardTimeout: cfg.publishTimeout,
		Logger:         log.With("component", "spool"),
	})
}
