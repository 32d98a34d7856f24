package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/adapter/receiver"
	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/internal/cli"
	"github.com/hubwire/hubwire/server"
	"github.com/hubwire/hubwire/sinks"
)

const serveSummary = `Receive container registry webhooks and publish each as a CloudEvent to
NATS JetStream, answering the registry 202 only once the event is stored.

With no flags it runs an embedded NATS server with JetStream on a file store
under --data-dir, and prints the webhook URLs (with a token it generates on
first start and keeps in the data directory) to paste into each registry.
Consumers subscribe to hubwire.events.> on the NATS server, which always asks
for a login: user hubwire, with the password generated into
<data-dir>/nats-password (see --embedded-nats-*).

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
	maxInFlightB    int64
	memoryLimit     int64
	allowedOrigins  cli.List
	allowedRate     string
	rateLimit       float64
	sourceRateLimit float64
	sourceTokens    cli.List
	acceptAuth      cli.List
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
	sources    map[string]server.Source

	// The flags' text, before parsing.
	modeText, levelText string
}

// replyConfig is what the flags say about acks and callbacks.
type replyConfig struct {
	required        cli.List
	ackTimeout      time.Duration
	allowHosts      cli.List
	allowInsecure   bool
	attempts        int
	callbackTimeout time.Duration
}

func (r *replyConfig) register(f *cli.Flags) {
	f.Var(&r.required, "required-consumers", "`names` of the consumers (comma-separated) whose acks a callback waits\nfor; without them the first ack decides")
	f.DurationVar(&r.ackTimeout, "ack-timeout", 30*time.Minute, "how long required consumers have to answer before the callback\nsays error (`duration`)")
	r.allowHosts = cli.List{Values: slices.Clone(reply.DefaultAllowedHosts)}
	f.Var(&r.allowHosts, "callback-allow-host", "`host`[:port|:*] a callback may be posted to (repeatable, or comma-separated;\nno port: the scheme's); any other callback_url is never contacted, nor a\nloopback, link-local or private address unless that address is listed")
	f.BoolVar(&r.allowInsecure, "callback-allow-insecure", false, "allow callbacks over plain http (https only by default)")
	f.IntVar(&r.attempts, "callback-attempts", 8, "most `attempts` of one callback (network errors, 5xx and 429 are retried)")
	f.DurationVar(&r.callbackTimeout, "callback-timeout", 10*time.Second, "time limit of one callback attempt (`duration`)")
}

// register defines every flag of serve on f, in the sections of its usage.
func (c *serveConfig) register(f *cli.Flags) {
	f.Group("Receiver")
	f.StringVar(&c.httpAddr, "http-addr", "127.0.0.1:8080", "`host:port` the webhook receiver listens on (0.0.0.0:8080 to take\ndeliveries from other machines; loopback by default)")
	f.StringVar(&c.publicURL, "public-url", "", "`URL` under which registries reach the receiver, used in the printed\nwebhook URLs and in each event's dataschema (default http://<http-addr>)")
	f.StringVar(&c.token, "token", "", "webhook `token` to use instead of the generated one (16 or more\nletters, digits, - . _ ~)")
	f.Var(&c.sourceTokens, "source-token", "a source's own webhook token, as `source=token` (repeatable, for rotation);\na source with tokens of its own takes only those")
	f.Var(&c.acceptAuth, "accept-authorization", "also take the token as the whole Authorization header (`raw`, as Harbor\nsends it) or as the password of HTTP Basic (basic); comma-separated")
	f.StringVar(&c.modeText, "ce-mode", string(sinks.Binary), "CloudEvents content `mode`: binary (ce- headers, data as the body)\nor structured (the whole event as JSON)")
	f.BoolVar(&c.tracing, "tracing", false, "carry each delivery's W3C trace context (its traceparent, or a new one)\nin the event's traceparent and tracestate extensions, for consumers to continue")
	f.Var(&c.allowedOrigins, "webhook-allowed-origin", "`origin` granted in the CloudEvents webhook handshake (OPTIONS with\nWebHook-Request-Origin; repeatable, * for any); none by default")
	f.StringVar(&c.allowedRate, "webhook-allowed-rate", "*", "WebHook-Allowed-Rate granted in that handshake (`requests` a minute, or *)")
	f.Group("TLS (the receiver's HTTPS)")
	f.StringVar(&c.tlsCert, "tls-cert", "", "PEM certificate `file` for the receiver to serve HTTPS (with --tls-key);\nreloaded when the file changes")
	f.StringVar(&c.tlsKey, "tls-key", "", "PEM private key `file` of --tls-cert")
	f.StringVar(&c.tlsClientCA, "tls-client-ca", "", "PEM `file` of CAs whose client certificates are verified when a sender\npresents one (mTLS)")
	f.Group("Limits and timeouts")
	f.Int64Var(&c.maxBodyBytes, "max-body-bytes", 1<<20, "largest delivery accepted, in `bytes` (413 above it)")
	f.IntVar(&c.maxHeaderBytes, "max-header-bytes", 64<<10, "largest request headers accepted, in `bytes`")
	f.IntVar(&c.maxInFlight, "max-in-flight", 1024, "most deliveries handled at once (`count`); more are answered 503\nwith Retry-After; 0 for no cap")
	f.Int64Var(&c.maxInFlightB, "max-in-flight-bytes", 32<<20, "most `bytes` of delivery bodies held at once, being read or handled;\nmore are answered 503 with Retry-After; 0 for no bound")
	f.Float64Var(&c.rateLimit, "rate-limit", 0, "most deliveries a second in all (`rate`; 429 with Retry-After above it);\n0 for no limit")
	f.Float64Var(&c.sourceRateLimit, "source-rate-limit", 0, "most deliveries a second from each source (`rate`); 0 for no limit")
	f.DurationVar(&c.publishTimeout, "publish-timeout", 10*time.Second, "how long a delivery waits for the broker to store its event\n(`duration`) before it is answered 503")
	f.DurationVar(&c.headerTimeout, "read-header-timeout", 10*time.Second, "time a client has to send its request headers (`duration`)")
	f.DurationVar(&c.readTimeout, "read-timeout", 30*time.Second, "time a client has to send a whole request (`duration`)")
	f.DurationVar(&c.writeTimeout, "write-timeout", 45*time.Second, "time to answer a request, publish included (`duration`); keep it\nabove --publish-timeout")
	f.DurationVar(&c.idleTimeout, "idle-timeout", 2*time.Minute, "how long an idle keep-alive connection stays open (`duration`)")
	f.Int64Var(&c.memoryLimit, "memory-limit", 0, "soft limit on the process's memory, in `bytes` (Go's GOMEMLIMIT): the\ngarbage collector works harder as the heap nears it; 0 leaves GOMEMLIMIT\nas the environment sets it")
	f.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 30*time.Second, "on SIGINT or SIGTERM, how long in-flight deliveries (and a console\nreplay's event in flight) may take to finish (`duration`)")
	f.Group("Broker: the embedded NATS server, or an external one (--broker)")
	f.StringVar(&c.dataDir, "data-dir", "./hubwire-data", "`directory` for the embedded JetStream store and the generated token")
	f.Int64Var(&c.spoolMaxBytes, "spool-max-bytes", 1<<30, "size in `bytes` of the local spool under --data-dir that keeps deliveries\nan external broker cannot take in time (answered 202 with \"spooled\": true,\nforwarded in order when it is back); 503 when full; 0 turns it off")
	c.broker.register(f)
	f.Group("Acks and callbacks")
	c.reply.register(f)
	f.Group("Logs and operation")
	f.StringVar(&c.levelText, "log-level", "info", "log `level`: debug, info, warn or error")
	f.StringVar(&c.logFormat, "log-format", "text", "log `format`: text or json")
	f.StringVar(&c.configFile, "config", "", "YAML `file` of settings: the flags' names (without --) as keys, and\nper-source settings under sources; flags and HUBWIRE_ variables win over it")
	f.StringVar(&c.debugAddr, "debug-addr", "", "`host:port` to serve Go's profiler (net/http/pprof) on, for\nperformance work; off by default, and never expose it")
}

func parseServe(args []string, stderr io.Writer, getenv func(string) string) (serveConfig, error) {
	var c serveConfig
	return parseServeWith(c.flags(stderr), &c, args, getenv)
}

// flags are serve's flags, writing to c; their variables are HUBWIRE_<FLAG>.
func (c *serveConfig) flags(out io.Writer) *cli.Flags {
	f := cli.New("serve", serveSummary)
	f.SetOutput(out)
	f.Global(func() { c.register(f) })
	return f
}

// parseServeWith reads args, the environment and the config file into c,
// whose flags are registered on f, and checks the result.
func parseServeWith(f *cli.Flags, cp *serveConfig, args []string, getenv func(string) string) (serveConfig, error) {
	if err := f.ParseArgs(args, getenv); err != nil {
		return *cp, err
	}
	if cp.configFile != "" {
		node, err := f.ApplyFile(cp.configFile, "sources")
		if err != nil {
			return *cp, err
		}
		if node != nil {
			if cp.sources, err = decodeSources(cp.configFile, node); err != nil {
				return *cp, err
			}
		}
	}
	c := *cp
	var err error
	if c.broker.mode, err = sinks.ParseMode(c.modeText); err != nil {
		return c, fmt.Errorf("--ce-mode: %w", err)
	}
	if err := c.checkFlags(); err != nil {
		return c, err
	}
	if err := c.broker.check(); err != nil {
		return c, err
	}
	opts, err := c.options(nil)
	if err != nil {
		return c, err
	}
	return c, opts.Check()
}

// checkFlags checks what only the command reads (the log, the shutdown)
// and the flags whose syntax is the command's; server.Options.Check does
// the rest.
func (c *serveConfig) checkFlags() error {
	if err := c.logLevel.UnmarshalText([]byte(c.levelText)); err != nil {
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", c.levelText)
	}
	switch {
	case c.logFormat != "text" && c.logFormat != "json":
		return fmt.Errorf("--log-format %q: want text or json", c.logFormat)
	case c.shutdownTimeout <= 0:
		return fmt.Errorf("--shutdown-timeout %v: must be positive", c.shutdownTimeout)
	case c.memoryLimit < 0:
		return fmt.Errorf("--memory-limit %d: must be a number of bytes, or 0 for none", c.memoryLimit)
	}
	for _, form := range c.acceptAuth.Values {
		if form != "raw" && form != "basic" {
			return fmt.Errorf("--accept-authorization %q: want raw, basic or both", form)
		}
	}
	for _, pair := range c.sourceTokens.Values {
		source, tok, ok := strings.Cut(pair, "=")
		if _, known := all.Registries.Get(source); !ok || !known {
			var want []string
			for _, name := range all.Registries.Names() {
				want = append(want, name+"=<token>")
			}
			return fmt.Errorf("--source-token: want %s, not %q", oneOf(want), strings.SplitN(pair, "=", 2)[0]+"=…")
		}
		if err := receiver.CheckToken(tok); err != nil {
			return fmt.Errorf("--source-token %s: %w", source, err)
		}
	}
	return nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg, err := parseServe(args, stderr, getenv)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg)
	if cfg.memoryLimit > 0 {
		debug.SetMemoryLimit(cfg.memoryLimit)
	}
	srv, err := start(ctx, cfg, log)
	if err != nil {
		return err
	}
	// The URLs hold the token: whole only where a person reads them.
	srv.Describe(stdout, isTerminal(stdout))
	// The records a supervisor or a log pipeline waits for (no token:
	// the receiver's base URL only).
	log.Info("ready", "version", version(), "receiver", srv.PublicURL(), "broker", cfg.broker.kind)
	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing in-flight deliveries", "timeout", cfg.shutdownTimeout)
	case err := <-srv.Err():
		srv.Shutdown(context.Background())
		log.Error("stopped", "error", err)
		return fmt.Errorf("HTTP receiver: %w", err)
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(stopCtx); err != nil {
		log.Error("stopped", "error", err)
		return err
	}
	log.Info("stopped")
	return nil
}

func newLogger(w io.Writer, cfg serveConfig) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.logLevel}
	if cfg.logFormat == "json" {
		opts.ReplaceAttr = durationsAsText
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// durationsAsText writes a duration as the flags take it ("30s", "1.5s"),
// not as JSON's nanoseconds.
func durationsAsText(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.StringValue(a.Value.Duration().String())
	}
	return a
}

// start runs hubwire with a checked configuration.
func start(ctx context.Context, cfg serveConfig, log *slog.Logger) (*server.Server, error) {
	opts, err := cfg.options(log)
	if err != nil {
		return nil, err
	}
	srv, err := server.New(opts)
	if err != nil {
		return nil, err
	}
	return srv, srv.Start(ctx)
}

// options turns a checked configuration into the server's.
func (c serveConfig) options(log *slog.Logger) (server.Options, error) {
	b, err := c.broker.options()
	if err != nil {
		return server.Options{}, err
	}
	return server.Options{
		Registries:        all.Registries,
		HTTPAddr:          c.httpAddr,
		PublicURL:         c.publicURL,
		DataDir:           c.dataDir,
		Token:             c.token,
		SourceTokens:      sourceTokens(c),
		Sources:           c.sources,
		RawAuthorization:  slices.Contains(c.acceptAuth.Values, "raw"),
		BasicAuth:         slices.Contains(c.acceptAuth.Values, "basic"),
		Tracing:           c.tracing,
		Broker:            b,
		Reply:             c.reply.options(c.sources),
		MaxBodyBytes:      c.maxBodyBytes,
		SpoolMaxBytes:     c.spoolMaxBytes,
		PublishTimeout:    c.publishTimeout,
		MaxInFlight:       c.maxInFlight,
		MaxInFlightBytes:  c.maxInFlightB,
		AllowedOrigins:    c.allowedOrigins.Values,
		AllowedRate:       c.allowedRate,
		RateLimit:         c.rateLimit,
		SourceRateLimit:   c.sourceRateLimit,
		TLSCert:           c.tlsCert,
		TLSKey:            c.tlsKey,
		TLSClientCA:       c.tlsClientCA,
		ReadHeaderTimeout: c.headerTimeout,
		ReadTimeout:       c.readTimeout,
		WriteTimeout:      c.writeTimeout,
		IdleTimeout:       c.idleTimeout,
		MaxHeaderBytes:    c.maxHeaderBytes,
		DebugAddr:         c.debugAddr,
		Version:           version(),
		Logger:            log,
	}, nil
}

// sourceTokens gathers each source's own tokens: --source-token, or else
// the config file's sources section.
func sourceTokens(cfg serveConfig) map[string][]string {
	tokens := map[string][]string{}
	for _, pair := range cfg.sourceTokens.Values {
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

// options applies --required-consumers to every registry that the config
// file does not give consumers of its own.
func (r *replyConfig) options(sources map[string]server.Source) server.Reply {
	required := map[string][]string{}
	for _, name := range all.Registries.Names() {
		if s, ok := sources[name]; ok && s.RequiredConsumers != nil {
			required[name] = s.RequiredConsumers
		} else if len(r.required.Values) > 0 {
			required[name] = r.required.Values
		}
	}
	return server.Reply{
		Required: required, AckTimeout: r.ackTimeout,
		AllowHosts: r.allowHosts.Values, AllowInsecure: r.allowInsecure,
		Attempts: r.attempts, CallbackTimeout: r.callbackTimeout,
	}
}

// oneOf lists choices for a person: "a", "a or b", "a, b or c".
func oneOf(choices []string) string {
	if len(choices) < 2 {
		return strings.Join(choices, "")
	}
	return strings.Join(choices[:len(choices)-1], ", ") + " or " + choices[len(choices)-1]
}
