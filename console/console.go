// Package console is hubwire's delivery console: web pages, served by
// hubwire serve at /console/, to see every delivery, its event, its acks
// and callbacks, and to act on them (redeliver a callback). It is
// server-rendered (html/template) with a little embedded JavaScript and
// CSS: no build step, no CDN.
//
// Every page and action needs a session, which signing in with the API
// token starts; every action that changes something also needs the
// session's CSRF token. No page shows the token, nor a callback URL's
// path (the capability), only its host.
package console

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/internal/deliverystats"
)

//go:embed templates/*.html static/*
var files embed.FS

// Prefix is where the console is served.
const Prefix = "/console/"

// Config configures the console.
type Config struct {
	// Token is the API token: signing in takes it.
	Token string
	// History is where the delivery records are read.
	History reply.History
	// Redeliverer starts a callback's new chain; nil hides the action.
	Redeliverer reply.Redeliverer
	// Replayer copies a filtered set of events to a destination; nil
	// hides the action. Auditor notes each event replayed in its record.
	Replayer Replayer
	Auditor  reply.Auditor
	// Registries are the names of the registries served (the filter's
	// choices).
	Registries []string
	// PublicURL is the receiver's URL, for "copy as curl".
	PublicURL string
	// Health reports the broker's and the spool's state; nil leaves the
	// health page without them.
	Health func(ctx context.Context) Health
	// Stats are the delivery counters of the last hour per registry (this
	// replica's), for the health page; nil leaves them out. The console
	// samples them every minute until Close.
	Stats  *deliverystats.Sampler
	Logger *slog.Logger
	// Clock is time.Now unless set (tests).
	Clock func() time.Time
}

// Health is the state of what stores the events, for the health page.
type Health struct {
	Status string
	Error  string
	// Spool describes the spool, when there is one.
	Spool string
}

// Console serves the console's pages.
type Console struct {
	cfg      Config
	sessions sessions
	failures *failures
	pages    map[string]*template.Template
	static   fs.FS
	live     *live
	jobs     jobs
	// done closes at Close: the live tails end then.
	done      chan struct{}
	closeOnce sync.Once
}

// Close ends the live tails, so that a server shutting down does not wait
// for pages left open, and stops a running replay between two events.
func (c *Console) Close() {
	c.closeOnce.Do(func() { close(c.done); c.jobs.stopAll() })
}

// Shutdown closes the console and waits, within ctx, for a running
// replay to finish the event it is writing and to audit what it sent,
// which needs the broker: call it before the broker closes.
func (c *Console) Shutdown(ctx context.Context) error {
	c.Close()
	return c.jobs.wait(ctx)
}

// New checks cfg and returns the console.
func New(cfg Config) (*Console, error) {
	if cfg.Token == "" || cfg.History == nil {
		return nil, errors.New("console needs the token and the history")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	c := &Console{cfg: cfg, sessions: newSessions(cfg.Token), failures: newFailures(), pages: map[string]*template.Template{}, done: make(chan struct{})}
	c.static, _ = fs.Sub(files, "static")
	for _, name := range []string{"signin", "list", "detail", "health", "replay", "job"} {
		t, err := template.New("layout.html").Funcs(funcs(cfg.Clock)).ParseFS(files, "templates/layout.html", "templates/row.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", name, err)
		}
		c.pages[name] = t
	}
	c.live = &live{c: c}
	if cfg.Stats != nil {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-c.done; cancel() }()
		go cfg.Stats.Run(ctx)
	}
	return c, nil
}

// ServeHTTP implements http.Handler for the paths under /console/.
func (c *Console) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	path := strings.TrimPrefix(req.URL.Path, strings.TrimSuffix(Prefix, "/"))
	if path == "" {
		http.Redirect(w, req, Prefix, http.StatusMovedPermanently)
		return
	}
	if path == "/login" {
		c.login(w, req)
		return
	}
	session, ok := c.session(req)
	if !ok {
		if path == "/" && (req.Method == http.MethodGet || req.Method == http.MethodHead) {
			c.render(w, req, http.StatusOK, "signin", view{Title: "Sign in"})
			return
		}
		c.refuse(w, req, http.StatusUnauthorized, "sign in first")
		return
	}
	v := view{CSRF: c.sessions.csrf(session), SignedIn: true}
	if req.Method == http.MethodPost {
		if !c.sessions.checkCSRF(req, session) {
			c.refuse(w, req, http.StatusForbidden, "the form's CSRF token is missing or wrong: reload the page and try again")
			return
		}
	} else if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD, POST")
		c.refuse(w, req, http.StatusMethodNotAllowed, "use GET or POST")
		return
	}
	switch {
	case path == "/" && req.Method != http.MethodPost:
		c.list(w, req, v)
	case path == "/logout" && req.Method == http.MethodPost:
		c.logout(w, req)
	case path == "/live" && req.Method != http.MethodPost:
		c.live.serve(w, req)
	case path == "/health" && req.Method != http.MethodPost:
		c.health(w, req, v)
	case path == "/replay" || strings.HasPrefix(path, "/replay/"):
		c.serveReplay(w, req, v, strings.TrimPrefix(strings.TrimPrefix(path, "/replay"), "/"))
	case strings.HasPrefix(path, "/static/") && req.Method != http.MethodPost:
		http.StripPrefix(Prefix+"static/", http.FileServerFS(c.static)).ServeHTTP(w, req)
	case strings.HasPrefix(path, "/events/"):
		id, action, _ := strings.Cut(strings.TrimPrefix(path, "/events/"), "/")
		switch {
		case action == "" && req.Method != http.MethodPost:
			c.detail(w, req, v, id)
		case action == "redeliver" && req.Method == http.MethodPost:
			c.redeliver(w, req, id)
		default:
			c.refuse(w, req, http.StatusNotFound, "no such page")
		}
	default:
		c.refuse(w, req, http.StatusNotFound, "no such page")
	}
}

// session returns the session req carries, if it is valid.
func (c *Console) session(req *http.Request) (string, bool) {
	ck, err := req.Cookie(cookieName)
	if err != nil {
		return "", false
	}
	return c.sessions.check(ck.Value, c.cfg.Clock())
}

func (c *Console) cookie(req *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: cookieName, Value: value, Path: Prefix, MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: req.TLS != nil}
}

// login checks the token typed in and starts a session.
func (c *Console) login(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		http.Redirect(w, req, Prefix, http.StatusSeeOther)
		return
	}
	now := c.cfg.Clock()
	addr := clientAddr(req)
	if wait, blocked := c.failures.blocked(addr, now); blocked {
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds()+0.5)))
		c.cfg.Logger.Warn("console sign-in refused", "remote", req.RemoteAddr, "reason", "too many wrong tokens")
		c.render(w, req, http.StatusTooManyRequests, "signin", view{Title: "Sign in", Error: fmt.Sprintf("Too many wrong tokens: try again in %v.", wait.Round(time.Second))})
		return
	}
	req.Body = http.MaxBytesReader(w, req.Body, 4096)
	if !tokenMatches(req.PostFormValue("token"), c.cfg.Token) {
		c.failures.failed(addr, now)
		c.cfg.Logger.Warn("console sign-in refused", "remote", req.RemoteAddr, "reason", "wrong token")
		c.render(w, req, http.StatusUnauthorized, "signin", view{Title: "Sign in", Error: "That is not hubwire's API token."})
		return
	}
	c.cfg.Logger.Info("console sign-in", "remote", req.RemoteAddr)
	http.SetCookie(w, c.cookie(req, c.sessions.issue(now), int(sessionLife.Seconds())))
	http.Redirect(w, req, Prefix, http.StatusSeeOther)
}

func (c *Console) logout(w http.ResponseWriter, req *http.Request) {
	http.SetCookie(w, c.cookie(req, "", -1))
	c.cfg.Logger.Info("console sign-out", "remote", req.RemoteAddr)
	http.Redirect(w, req, Prefix, http.StatusSeeOther)
}

// refuse answers a request the console does not serve: a page for a
// browser, JSON for a script.
func (c *Console) refuse(w http.ResponseWriter, req *http.Request, status int, msg string) {
	if strings.Contains(req.Header.Get("Accept"), "text/html") {
		c.render(w, req, status, "signin", view{Title: http.StatusText(status), Error: msg, SignedIn: false, Refused: true})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, "{\"error\":%q}\n", msg)
}

func (c *Console) render(w http.ResponseWriter, req *http.Request, status int, page string, v view) {
	v.Page = page
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if req.Method == http.MethodHead {
		return
	}
	if err := c.pages[page].Execute(w, v); err != nil {
		c.cfg.Logger.Error("console page", "page", page, "error", err)
	}
}

// view is what a page shows.
type view struct {
	Title    string
	Page     string
	CSRF     string
	SignedIn bool
	Refused  bool
	Error    string
	Notice   string

	// The list.
	Filter     filter
	Registries []string
	Outcomes   []string
	Rows       []row
	Next       string
	Count      int
	Loaded     string

	// The detail.
	Event *detail

	// Health.
	Health *healthView

	// Replay: the list's link, the replay page, a job's page.
	ReplayLink string
	Replay     *replayView
	Job        *jobView
}

// filter is the list's filters, as the URL holds them.
type filter struct {
	Registry, Type, Repository, Tag, Since, Until, Outcome, Q, Cursor string
}

func readFilter(v url.Values) filter {
	return filter{Registry: v.Get("registry"), Type: v.Get("type"), Repository: v.Get("repository"), Tag: v.Get("tag"),
		Since: v.Get("since"), Until: v.Get("until"), Outcome: v.Get("outcome"), Q: v.Get("q"), Cursor: v.Get("cursor")}
}

// values are the filter's non-empty parameters, without the cursor.
func (f filter) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"registry": f.Registry, "type": f.Type, "repository": f.Repository, "tag": f.Tag,
		"since": f.Since, "until": f.Until, "outcome": f.Outcome, "q": f.Q} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// Pairs are the filter's non-empty parameters, without the cursor, for
// a form's hidden fields.
func (f filter) Pairs() map[string]string {
	m := map[string]string{}
	for k, v := range f.values() {
		m[k] = v[0]
	}
	return m
}

// Active reports whether any filter is set.
func (f filter) Active() bool { return len(f.values()) > 0 }

// pageSize is the rows of a list page.
const pageSize = 50

func (c *Console) list(w http.ResponseWriter, req *http.Request, v view) {
	v.Title = "Deliveries"
	v.Filter = readFilter(req.URL.Query())
	v.Registries, v.Outcomes = c.cfg.Registries, reply.Outcomes
	now := c.cfg.Clock()
	params := v.Filter.values()
	if v.Filter.Cursor != "" {
		params.Set("cursor", v.Filter.Cursor)
	}
	q, err := reply.ParseQuery(params, now)
	if err != nil {
		v.Error = err.Error()
		c.render(w, req, http.StatusBadRequest, "list", v)
		return
	}
	q.Limit = pageSize + 1
	ctx, cancel := context.WithTimeout(req.Context(), 10*time.Second)
	defer cancel()
	recs, err := c.cfg.History.List(ctx, q)
	if err != nil {
		v.Error = "Reading the records: " + err.Error()
		c.render(w, req, http.StatusServiceUnavailable, "list", v)
		return
	}
	if len(recs) > pageSize {
		recs = recs[:pageSize]
		next := v.Filter.values()
		next.Set("cursor", reply.Cursor(&recs[pageSize-1]))
		v.Next = Prefix + "?" + next.Encode()
	}
	v.Rows = make([]row, len(recs))
	for i := range recs {
		v.Rows[i] = newRow(&recs[i])
	}
	v.Loaded = now.UTC().Format(time.RFC3339Nano)
	if c.cfg.Replayer != nil {
		v.ReplayLink = replayLink(v.Filter)
	}
	c.render(w, req, http.StatusOK, "list", v)
}

func (c *Console) detail(w http.ResponseWriter, req *http.Request, v view, id string) {
	rec, err := c.cfg.History.Get(req.Context(), id)
	switch {
	case errors.Is(err, reply.ErrNoRecord):
		c.refuse(w, req, http.StatusNotFound, "no record of event "+id)
		return
	case err != nil:
		v.Error = "Reading the record: " + err.Error()
		c.render(w, req, http.StatusServiceUnavailable, "detail", v)
		return
	}
	v.Title = cmp.Or(rec.Subject, rec.ID)
	v.Event = newDetail(rec, c.cfg.PublicURL, c.cfg.Redeliverer != nil)
	switch req.URL.Query().Get("done") {
	case "redeliver":
		v.Notice = "Redelivery queued: a new chain of attempts starts; watch it below."
	}
	if e := req.URL.Query().Get("error"); e != "" {
		v.Error = e
	}
	c.render(w, req, http.StatusOK, "detail", v)
}

// redeliver starts a new chain of the event's callback.
func (c *Console) redeliver(w http.ResponseWriter, req *http.Request, id string) {
	back := Prefix + "events/" + url.PathEscape(id)
	if c.cfg.Redeliverer == nil {
		c.refuse(w, req, http.StatusNotFound, "callbacks are off")
		return
	}
	_, err := c.cfg.Redeliverer.Redeliver(req.Context(), id, "the console ("+clientAddr(req)+")")
	switch {
	case errors.Is(err, reply.ErrNoRecord):
		c.refuse(w, req, http.StatusNotFound, "no record of event "+id)
	case err != nil:
		c.cfg.Logger.Warn("console: callback not redelivered", "event_id", id, "reason", err)
		http.Redirect(w, req, back+"?error="+url.QueryEscape("Not redelivered: "+err.Error()), http.StatusSeeOther)
	default:
		c.cfg.Logger.Info("console: callback redelivered", "event_id", id, "remote", req.RemoteAddr)
		http.Redirect(w, req, back+"?done=redeliver", http.StatusSeeOther)
	}
}
