package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	natsgo "github.com/nats-io/nats.go"

	"github.com/hubwire/hubwire/server"
)

// browser starts headless Chromium (Debian's chromium; .ci/run installs
// it) with a fresh profile, for chromedp to drive.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("the console's browser test needs Chromium: apt-get install chromium (.ci/run does)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// browse runs browser actions in order, failing the test with what was
// being done. An action that finds its element and then cannot use it,
// because chromedp fetched the page's document again after a navigation
// (which makes the browser forget every node id it gave out), is tried
// again: it failed before it did anything.
func browse(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	for _, a := range actions {
		for try := 1; ; try++ {
			err := chromedp.Do(ctx, a)
			if err == nil {
				break
			}
			if try < 5 && staleNode(err) {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			t.Fatalf("%s: %v", what, err)
		}
	}
}

// staleNode tells the browser's answer to a node id it no longer knows.
func staleNode(err error) bool {
	return strings.Contains(err.Error(), "No node with given id found") || strings.Contains(err.Error(), "Could not find node with given id")
}

// text is the visible text of the element sel, once it is in the page.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s, err := innerText(ctx, sel)
		if err == nil {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("reading %s: %v", sel, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// innerText reads sel's text in one evaluation in the page. chromedp's
// Text finds the node, then reads it by the node's id, and a page that
// is replaced in between (a redirect's late document update) leaves it
// with an id the browser no longer knows.
func innerText(ctx context.Context, sel string) (string, error) {
	q, err := json.Marshal(sel)
	if err != nil {
		return "", err
	}
	s, err := chromedp.Run(ctx, chromedp.Evaluate[*string](`(e => e ? e.innerText : null)(document.querySelector(`+string(q)+`))`))
	if err != nil {
		return "", err
	}
	if s == nil {
		return "", fmt.Errorf("no element matches %s", sel)
	}
	return *s, nil
}

// waitText reloads the page until sel's text holds want.
func waitText(t *testing.T, ctx context.Context, sel, want string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s, err := innerText(ctx, sel)
		if err == nil && strings.Contains(s, want) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %q in %s; it reads %q (%v)", want, sel, s, err)
		}
		time.Sleep(300 * time.Millisecond)
		browse(t, ctx, "reloading", chromedp.Reload())
	}
}

// consoleBroker is a broker the console's browser test runs on.
type consoleBroker struct {
	name string
	// start starts hubwire on a fresh broker; ack sends a consumer's ack
	// of an event over that broker, as a consumer would.
	start func(t *testing.T, flags ...string) (inst *server.Server, ack func(t *testing.T, id, consumer, state, description string))
	// stored is how the list names where an event is stored; first is
	// where the first event delivered is stored.
	stored, first string
}

var consoleBrokers = []consoleBroker{
	{
		name: "embedded NATS",
		start: func(t *testing.T, flags ...string) (*server.Server, func(*testing.T, string, string, string, string)) {
			inst := startHubwire(t, t.TempDir(), flags...)
			return inst, func(t *testing.T, id, consumer, state, description string) {
				t.Helper()
				nc, err := natsgo.Connect(natsURLOf(inst))
				if err != nil {
					t.Fatal(err)
				}
				defer nc.Close()
				body := fmt.Sprintf(`{"consumer":%q,"state":%q,"description":%q}`, consumer, state, description)
				if _, err := nc.Request("hubwire.acks."+id, []byte(body), 5*time.Second); err != nil {
					t.Fatal(err)
				}
			}
		},
		stored: "HUBWIRE_EVENTS #", first: "HUBWIRE_EVENTS #1",
	},
	{
		name: "Kafka",
		start: func(t *testing.T, flags ...string) (*server.Server, func(*testing.T, string, string, string, string)) {
			c := kafkaCluster(t)
			inst := startHubwire(t, t.TempDir(), kafkaReplyFlags(c, flags...)...)
			return inst, func(t *testing.T, id, consumer, state, description string) {
				t.Helper()
				kafkaAckCLI(t, c, id, "--consumer", consumer, "--state", state, "--description", description)
			}
		},
		// The Docker Hub event is the first of its partition.
		stored: "hubwire.events / partition ", first: " / offset 0",
	},
}

// consoleRun is what the steps of the browser test share.
type consoleRun struct {
	broker consoleBroker
	inst   *server.Server
	ack    func(t *testing.T, id, consumer, state, description string)
	// base is the console's URL; ctx the browser's.
	base string
	ctx  context.Context
	// cb is the registry's callback endpoint; hubID the Docker Hub
	// event that asks for a callback.
	cb    *registryCallbacks
	hubID string
}

// consoleSteps are the browser test's steps, in order, each a function
// of the run, so that a step is added with a line here.
var consoleSteps = []struct {
	name string
	run  func(t *testing.T, r *consoleRun)
}{
	{"deliver", stepDeliver},
	{"sign in", stepSignIn},
	{"filter", stepFilter},
	{"replay", func(t *testing.T, r *consoleRun) { replayInBrowser(t, r.ctx, r.base) }},
	{"live", stepLive},
	{"phone width", stepPhone},
	{"detail", stepDetail},
	{"ack and callback", stepAckAndCallback},
	{"redeliver", stepRedeliver},
	{"no secrets", stepNoSecrets},
	{"health counts", stepHealthCounts},
	{"sign out", stepSignOut},
	{"refused without a session", func(t *testing.T, r *consoleRun) { refusesWithoutSession(t, r.inst, r.hubID) }},
}

// TestConsoleInABrowser drives the delivery console in headless Chromium
// as an operator would, on each broker: sign in, see deliveries from
// several registries, filter, open one, watch its ack and callback
// arrive, redeliver the callback, sign out; and checks that nothing of
// the console answers without a session, nor any action without its
// CSRF token.
func TestConsoleInABrowser(t *testing.T) {
	for _, b := range consoleBrokers {
		t.Run(b.name, func(t *testing.T) {
			r := &consoleRun{broker: b, cb: newRegistryCallbacks(t, 200)}
			r.inst, r.ack = b.start(t, allowTestCallbacks...)
			r.base = r.inst.PublicURL() + "/console/"
			r.ctx = browser(t)
			for _, s := range consoleSteps {
				if !t.Run(s.name, func(t *testing.T) { s.run(t, r) }) {
					break // the steps build on each other
				}
			}
		})
	}
}

// stepDeliver posts deliveries from several registries; the Docker Hub
// one asks for a callback.
func stepDeliver(t *testing.T, r *consoleRun) {
	r.hubID = deliver(t, r.inst, hubDelivery(t, r.cb.URL, "1.4"))
	now := time.Now()
	for _, f := range fixtures(t) {
		if (f.source == "dtr" && f.name == "tag-push.json") || (f.source == "quay" && f.name == "repo-push.json") || (f.source == "harbor" && f.name == "push-artifact.json") {
			if a := f.deliver(t, r.inst, freshen(f.body, f.source, now)); a.status != http.StatusAccepted {
				t.Fatalf("%s %s: %d %v", f.source, f.name, a.status, a.body)
			}
		}
	}
}

// stepSignIn: a wrong token is refused, the right one lands on the list.
func stepSignIn(t *testing.T, r *consoleRun) {
	ctx := r.ctx
	browse(t, ctx, "opening the console",
		chromedp.Navigate(r.base),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), "not-the-token"),
		chromedp.Submit(chromedp.CSS("#token")),
		chromedp.WaitVisible(chromedp.CSS(".error")))
	if got := text(t, ctx, ".error"); !strings.Contains(got, "not hubwire's API token") {
		t.Errorf("a wrong token: %q", got)
	}
	browse(t, ctx, "signing in",
		chromedp.SendKeys(chromedp.CSS("#token"), r.inst.Token()),
		chromedp.Submit(chromedp.CSS("#token")),
		chromedp.WaitVisible(chromedp.CSS("table.events")))
	rows := text(t, ctx, "#rows")
	for _, want := range []string{"dockerhub", "dtr", "quay", "harbor", "waiting for ack", r.broker.stored} {
		if !strings.Contains(rows, want) {
			t.Errorf("the list lacks %q:\n%s", want, rows)
		}
	}
}

// stepFilter: a filter keeps to one registry, and lives in the URL; a
// search reads the payload.
func stepFilter(t *testing.T, r *consoleRun) {
	ctx := r.ctx
	browse(t, ctx, "filtering by registry",
		chromedp.SetValue(chromedp.CSS(`select[name=registry]`), "dtr"),
		chromedp.Submit(chromedp.CSS(`select[name=registry]`)))
	// Until the filtered page has loaded, the table found may be the old
	// page's, gone by the time it is read.
	// A poll in the page would end with the old page, so ask again until
	// the new one answers.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.search.includes("registry=dtr") && document.readyState === "complete"`))
		if err == nil && done {
			break
		}
		if time.Now().After(deadline) {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			t.Fatalf("the filter is not in the URL: %s (%v)", loc, err)
		}
	}
	browse(t, ctx, "the filtered list", chromedp.WaitVisible(chromedp.CSS("table.events")))
	if rows := text(t, ctx, "#rows"); !strings.Contains(rows, "dtr") || strings.Contains(rows, "dockerhub") || strings.Contains(rows, "quay") {
		t.Errorf("filtered by dtr, the list shows:\n%s", rows)
	}
	browse(t, ctx, "searching the payload", chromedp.Navigate(r.base+"?q=fireflyiii"), chromedp.WaitVisible(chromedp.CSS("table.events")))
	if rows := text(t, ctx, "#rows"); !strings.Contains(rows, "dockerhub") || strings.Contains(rows, "dtr") {
		t.Errorf("searching for fireflyiii, the list shows:\n%s", rows)
	}
}

// stepLive: the live tail marks an event that arrives while the list is
// open; paused, it holds the next one back, and shows it on resume.
func stepLive(t *testing.T, r *consoleRun) {
	browse(t, r.ctx, "opening the list", chromedp.Navigate(r.base), chromedp.WaitVisible(chromedp.CSS("table.events")))
	liveID := deliver(t, r.inst, hubDelivery(t, r.cb.URL, "live"))
	browse(t, r.ctx, "waiting for the live row", chromedp.WaitVisible(chromedp.CSS(`tr.new[data-id="`+liveID+`"]`)))
	shot(t, r, "console-list.png")

	browse(t, r.ctx, "pausing", chromedp.Click(chromedp.CSS("#live-toggle")))
	heldID := deliver(t, r.inst, hubDelivery(t, r.cb.URL, "held"))
	waitFor(t, "the paused tail to hold the event", func() bool {
		s, err := innerText(r.ctx, "#live-state")
		return err == nil && strings.Contains(s, "paused (1 waiting)")
	})
	if shown, err := chromedp.Run(r.ctx, chromedp.Evaluate[bool](`document.querySelector('tr[data-id="`+heldID+`"]') !== null`)); err != nil || shown {
		t.Errorf("paused, the list shows the new event (%v)", err)
	}
	if b := text(t, r.ctx, "#live-toggle"); b != "Resume" {
		t.Errorf("paused, the button reads %q", b)
	}
	browse(t, r.ctx, "resuming",
		chromedp.Click(chromedp.CSS("#live-toggle")),
		chromedp.WaitVisible(chromedp.CSS(`tr.new[data-id="`+heldID+`"]`)))
	if c := text(t, r.ctx, "#live-count"); !strings.Contains(c, "2 new since the page was loaded") {
		t.Errorf("after resuming, the count reads %q", c)
	}
}

// stepPhone: at a phone's width the rows become cards, each value
// labelled.
func stepPhone(t *testing.T, r *consoleRun) {
	browse(t, r.ctx, "narrowing to a phone's width", chromedp.EmulateViewport(390, 844))
	defer browse(t, r.ctx, "back to a laptop's width", chromedp.EmulateViewport(1280, 900))
	if label, err := chromedp.Run(r.ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("#rows td"), "::before").content`)); err != nil || !strings.Contains(label, "When") {
		t.Errorf("at a phone's width the cells are not labelled: %q %v", label, err)
	}
	shot(t, r, "console-phone.png")
}

// stepDetail: the detail page shows the delivery, the event, where it is
// stored; the callback URL's host only.
func stepDetail(t *testing.T, r *consoleRun) {
	browse(t, r.ctx, "opening the detail page",
		chromedp.Navigate(r.base),
		chromedp.WaitVisible(chromedp.CSS("table.events")),
		chromedp.Click(chromedp.CSS(`tr[data-id="`+r.hubID+`"] td.subject a`)),
		chromedp.WaitVisible(chromedp.CSS("#cb-h")))
	page := text(t, r.ctx, "main")
	for _, want := range []string{r.hubID, "com.docker.hub.push", r.broker.stored, r.broker.first, "waiting for ack", r.cb.URL + "/…", "fireflyiii/core", "Content-Type"} {
		if !strings.Contains(page, want) {
			t.Errorf("the detail page lacks %q:\n%s", want, page)
		}
	}
}

// stepAckAndCallback: an ack decides the callback; its attempt shows in
// the timeline.
func stepAckAndCallback(t *testing.T, r *consoleRun) {
	r.ack(t, r.hubID, "ci", "success", "deployed")
	waitText(t, r.ctx, "main", "callback sent")
	if page := text(t, r.ctx, "main"); !strings.Contains(page, "ci") || !strings.Contains(page, "deployed") || !strings.Contains(page, "200") {
		t.Errorf("after the ack, the page reads:\n%s", page)
	}
	shot(t, r, "console-detail.png")
}

// stepRedeliver: a second chain, one more POST, audited.
func stepRedeliver(t *testing.T, r *consoleRun) {
	browse(t, r.ctx, "redelivering",
		chromedp.Click(chromedp.CSS(`form.inline button`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	waitFor(t, "the redelivered callback", func() bool { return len(r.cb.received()) == 2 })
	waitText(t, r.ctx, "table.attempts", "2")
	if page := waitText(t, r.ctx, "main", "callback chain 2"); !strings.Contains(page, "redeliver") {
		t.Errorf("the redelivery is not audited:\n%s", page)
	}
}

// stepNoSecrets: nothing on any page holds the token or the callback's
// secret path.
func stepNoSecrets(t *testing.T, r *consoleRun) {
	for _, p := range []string{r.base, r.base + "events/" + r.hubID, r.base + "health"} {
		browse(t, r.ctx, "opening "+p, chromedp.Navigate(p), chromedp.WaitReady(chromedp.CSS("main")))
		html, err := chromedp.Run(r.ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(html, r.inst.Token()) || strings.Contains(html, "2bda0e2f204fj42egeb225d5ca2fa0eb1") {
			t.Errorf("%s shows a secret", p)
		}
	}
	if h := text(t, r.ctx, "main"); !strings.Contains(h, "dockerhub") || !strings.Contains(h, "Broker") {
		t.Errorf("the health page reads:\n%s", h)
	}
}

// replayInBrowser replays the list filtered by registry=dtr (one event)
// to an HTTP receiver: the list's Replay… link, the preview's count, the
// destination typed in, and the job's progress polled to done.
func replayInBrowser(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	rcv := newEventReceiver(t)
	const secret = "replay-secret-path"
	browse(t, ctx, "opening the replay of a filtered list",
		chromedp.Navigate(base+"?registry=dtr"),
		chromedp.WaitVisible(chromedp.CSS("#replay-link")),
		chromedp.Click(chromedp.CSS("#replay-link")),
		chromedp.WaitVisible(chromedp.CSS("#replay-count")))
	if n := text(t, ctx, "#replay-count"); n != "1" {
		t.Errorf("the preview counts %q events, want 1", n)
	}
	if f := text(t, ctx, "#replay-filter"); !strings.Contains(f, "registry=dtr") {
		t.Errorf("the preview's filter reads %q", f)
	}
	browse(t, ctx, "starting the replay",
		chromedp.SendKeys(chromedp.CSS("#replay-to"), rcv.URL+"/"+secret),
		chromedp.Click(chromedp.CSS("#replay-start")),
		chromedp.WaitVisible(chromedp.CSS("#job")))
	// The page's script polls the progress: no reload.
	browse(t, ctx, "waiting for the replay to be done", chromedp.Poll[chromedp.Void](`document.getElementById("job-state").textContent == "done"`, chromedp.WithPollingTimeout(30*time.Second)))
	if w, total := text(t, ctx, "#job-written"), text(t, ctx, "#job-total"); w != "1" || total != "1" {
		t.Errorf("the job's page says %s of %s written", w, total)
	}
	if got := rcv.got(); len(got) != 1 {
		t.Errorf("the receiver got %v", got)
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err != nil || strings.Contains(html, secret) {
		t.Errorf("the job's page shows the URL's path (%v)", err)
	}
}

// stepSignOut: back to the sign-in form, and the pages are gone.
func stepSignOut(t *testing.T, r *consoleRun) {
	browse(t, r.ctx, "signing out",
		chromedp.Click(chromedp.CSS(`.signout button`)),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.Navigate(r.base+"events/"+r.hubID),
		chromedp.WaitReady(chromedp.CSS("body")))
	if page := text(t, r.ctx, "body"); strings.Contains(page, "fireflyiii") || !strings.Contains(page, "Sign in") {
		t.Errorf("after signing out, the detail page reads:\n%s", page)
	}
}

// stepHealthCounts: the health page counts the three Docker Hub
// deliveries posted above (stepDeliver's, and stepLive's two), all
// stored.
func stepHealthCounts(t *testing.T, r *consoleRun) {
	browse(t, r.ctx, "opening the health page", chromedp.Navigate(r.base+"health"), chromedp.WaitReady(chromedp.CSS("main")))
	for label, want := range map[string]string{"Received": "3", "Stored": "3"} {
		if got := text(t, r.ctx, `tr[data-registry="dockerhub"] td[data-label="`+label+`"]`); strings.TrimSpace(got) != want {
			t.Errorf("the health page's Docker Hub %s: %q, want %s", label, got, want)
		}
	}
	shot(t, r, "console-health.png")
}

// refusesWithoutSession checks every page and action without a session,
// and every action with a session but without its CSRF token.
func refusesWithoutSession(t *testing.T, inst *server.Server, id string) {
	t.Helper()
	base := inst.PublicURL() + "/console/"
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	anon := &http.Client{CheckRedirect: noRedirect}
	pages := []string{"events/" + id, "health", "live", "replay", "replay/1", "replay/1/progress", "static/console.js", "static/console.css", "nowhere"}
	actions := []string{"events/" + id + "/redeliver", "logout", "replay", "replay/1/cancel"}
	for _, p := range pages {
		resp, err := anon.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || strings.Contains(string(body), id) {
			t.Errorf("GET %s without a session: %d %.200s", p, resp.StatusCode, body)
		}
	}
	// The list without a session is the sign-in form, and nothing else.
	resp, err := anon.Get(base)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `name="token"`) || strings.Contains(string(body), id) {
		t.Errorf("GET / without a session: %d %.300s", resp.StatusCode, body)
	}
	for _, p := range actions {
		resp, err := anon.PostForm(base+p, url.Values{"csrf": {"x"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("POST %s without a session: %d", p, resp.StatusCode)
		}
	}
	// Signed in, an action without its CSRF token is refused.
	jar, _ := cookiejar.New(nil)
	user := &http.Client{Jar: jar, CheckRedirect: noRedirect}
	resp, err = user.PostForm(base+"login", url.Values{"token": {inst.Token()}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ck := resp.Header.Get("Set-Cookie")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Strict") {
		t.Fatalf("signing in: %d %s", resp.StatusCode, ck)
	}
	for _, p := range actions {
		for _, form := range []url.Values{{}, {"csrf": {"0123456789abcdef"}}} {
			resp, err := user.PostForm(base+p, form)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with a session and csrf %q: %d", p, form.Get("csrf"), resp.StatusCode)
			}
		}
	}
	// Wrong tokens are rate-limited.
	status := 0
	for range 8 {
		resp, err := anon.PostForm(base+"login", url.Values{"token": {"guess"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		status = resp.StatusCode
	}
	if status != http.StatusTooManyRequests {
		t.Errorf("the 8th wrong token in a row: %d, want 429", status)
	}
}

// shot saves a screenshot of the page into the directory that
// HUBWIRE_SCREENSHOTS names (docs/, to refresh the documentation's).
func shot(t *testing.T, r *consoleRun, name string) {
	t.Helper()
	dir := os.Getenv("HUBWIRE_SCREENSHOTS")
	if dir == "" || r.broker.name != consoleBrokers[0].name {
		return // the documentation shows the default broker's pages
	}
	png, err := chromedp.Run(r.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
