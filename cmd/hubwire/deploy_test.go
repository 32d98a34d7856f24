package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"

	"github.com/hubwire/hubwire/internal/cli"
	"go.yaml.in/yaml/v3"
)

// The deployment files cannot run here (no container engine), so these
// tests check what can be checked: they parse, and every flag and
// HUBWIRE_ variable they pass is one hubwire serve takes, with a value it
// accepts.

// checkServeArgs parses args and environment as hubwire serve would, and
// fails on a variable that names no flag (serve would silently ignore it).
func checkServeArgs(t *testing.T, file string, args []string, environ map[string]string) {
	t.Helper()
	if len(args) == 0 || args[0] != "serve" {
		t.Fatalf("%s: command %v does not run hubwire serve", file, args)
	}
	known := map[string]bool{}
	f := cli.New("serve", "")
	var c serveConfig
	c.register(f)
	f.VisitAll(func(fl *flag.Flag) { known[cli.EnvName(fl.Name)] = true })
	for name := range environ {
		if strings.HasPrefix(name, "HUBWIRE_") && !known[name] {
			t.Errorf("%s: %s is not a hubwire variable", file, name)
		}
	}
	if _, err := parseServe(args[1:], io.Discard, func(k string) string { return environ[k] }); err != nil {
		t.Errorf("%s: hubwire serve refuses %v: %v", file, args, err)
	}
}

func TestComposeFiles(t *testing.T) {
	for _, file := range []string{"../../deploy/compose/nats-cluster.yaml", "../../deploy/compose/kafka.yaml"} {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var compose struct {
			Services map[string]struct {
				Image       string            `yaml:"image"`
				Command     []string          `yaml:"command"`
				Environment map[string]string `yaml:"environment"`
				StopGrace   string            `yaml:"stop_grace_period"`
				DependsOn   map[string]struct {
					Condition string `yaml:"condition"`
				} `yaml:"depends_on"`
				Healthcheck struct {
					Test []string `yaml:"test"`
				} `yaml:"healthcheck"`
			} `yaml:"services"`
		}
		if err := yaml.Unmarshal(raw, &compose); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		hub, ok := compose.Services["hubwire"]
		if !ok {
			t.Fatalf("%s has no hubwire service", file)
		}
		if len(compose.Services) < 2 {
			t.Errorf("%s: no broker beside hubwire", file)
		}
		checkServeArgs(t, file, hub.Command, hub.Environment)
		checkStopGrace(t, file, hub.StopGrace)
		// hubwire starts once each broker says it is healthy.
		for name, svc := range compose.Services {
			if name == "hubwire" {
				continue
			}
			if dep, ok := hub.DependsOn[name]; !ok || dep.Condition != "service_healthy" {
				t.Errorf("%s: hubwire does not wait for %s to be healthy (depends_on: condition: service_healthy)", file, name)
			}
			if len(svc.Healthcheck.Test) == 0 {
				t.Errorf("%s: %s has no healthcheck for hubwire to wait for", file, name)
			}
		}
		if v := hub.Environment["HUBWIRE_NATS_ALLOW_ANONYMOUS"]; v != "" {
			t.Errorf("%s: HUBWIRE_NATS_ALLOW_ANONYMOUS=%s", file, v)
		}
	}
}

// checkStopGrace: the supervisor must wait for a graceful stop, which
// takes up to --shutdown-timeout for deliveries and --callback-timeout for
// a callback attempt in flight (defaults 30s and 10s), before it kills.
func checkStopGrace(t *testing.T, file, grace string) {
	t.Helper()
	d, err := time.ParseDuration(grace)
	if err != nil {
		t.Errorf("%s: stop grace %q: %v", file, grace, err)
		return
	}
	if d < 40*time.Second {
		t.Errorf("%s: stop grace %v, shorter than a graceful stop may take (30s + 10s)", file, d)
	}
}

func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(raw), "\\\n", " ")
	environ := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^ENV (.*)$`).FindAllStringSubmatch(text, -1) {
		for _, kv := range strings.Fields(m[1]) {
			k, v, _ := strings.Cut(kv, "=")
			environ[k] = v
		}
	}
	if !strings.Contains(text, "USER nonroot") || !strings.Contains(text, "CGO_ENABLED=0") {
		t.Error("the image must run as non-root a static binary")
	}
	if !strings.Contains(text, `CMD ["serve"]`) {
		t.Error("the image does not run serve")
	}
	checkServeArgs(t, "Dockerfile", []string{"serve"}, environ)

	// /data exists, owned by the non-root user (distroless's nonroot is
	// 65532), since VOLUME alone makes it root's.
	dataDir := environ["HUBWIRE_DATA_DIR"]
	if !regexp.MustCompile(`(?m)^RUN mkdir .*/out/data$`).MatchString(text) ||
		!regexp.MustCompile(`(?m)^COPY --from=build --chown=65532:65532 /out/data `+regexp.QuoteMeta(dataDir)+`$`).MatchString(text) {
		t.Errorf("the image does not make %s owned by the non-root user", dataDir)
	}

	// The health check runs a subcommand hubwire has.
	m := regexp.MustCompile(`(?m)^HEALTHCHECK .*CMD (\[.*\])$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatal("the image has no HEALTHCHECK")
	}
	var check []string
	if err := yaml.Unmarshal([]byte(m[1]), &check); err != nil || len(check) < 2 || check[0] != "/usr/local/bin/hubwire" {
		t.Fatalf("HEALTHCHECK %s: %v", m[1], err)
	}
	if code := run(context.Background(), append(check[1:], "--help"), io.Discard, io.Discard, noEnv); code != 0 {
		t.Errorf("HEALTHCHECK runs hubwire %v, which is no subcommand (exit %d)", check[1:], code)
	}

	// The embedded NATS server it exposes asks for credentials: serve,
	// with the image's settings (on loopback ports here), refuses an
	// anonymous client.
	if v := environ["HUBWIRE_NATS_ALLOW_ANONYMOUS"]; v != "" {
		t.Errorf("the image sets HUBWIRE_NATS_ALLOW_ANONYMOUS=%s", v)
	}
	local := map[string]string{}
	for k, v := range environ {
		local[k] = v
	}
	local["HUBWIRE_HTTP_ADDR"], local["HUBWIRE_NATS_ADDR"], local["HUBWIRE_DATA_DIR"] = "127.0.0.1:0", "127.0.0.1:0", t.TempDir()
	cfg, err := parseServe(nil, io.Discard, func(k string) string { return local[k] })
	if err != nil {
		t.Fatal(err)
	}
	inst, err := start(context.Background(), cfg, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Shutdown(context.Background())
	if _, err := natsgo.Connect(inst.EmbeddedURL(), natsgo.MaxReconnects(0)); !errors.Is(err, natsgo.ErrAuthorization) {
		t.Errorf("the image's NATS server lets an anonymous client in: %v", err)
	}
}

// TestDockerignore: the build context leaves out a local data dir (its
// token and password), binaries, Node packages and the history.
func TestDockerignore(t *testing.T) {
	raw, err := os.ReadFile("../../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	for _, want := range []string{"hubwire-data/", "bin/", "**/node_modules/", ".git/"} {
		if !slices.Contains(lines, want) {
			t.Errorf(".dockerignore does not leave out %s", want)
		}
	}
}

func TestSystemdUnit(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/systemd/hubwire.service")
	if err != nil {
		t.Fatal(err)
	}
	environ := map[string]string{}
	var args []string
	stopGrace := "" // the unit must set TimeoutStopSec
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "Environment="); ok {
			k, val, _ := strings.Cut(v, "=")
			environ[k] = val
		}
		if v, ok := strings.CutPrefix(line, "ExecStart="); ok {
			args = strings.Fields(v)[1:]
		}
		if v, ok := strings.CutPrefix(line, "TimeoutStopSec="); ok {
			stopGrace = v + "s"
		}
	}
	checkServeArgs(t, "hubwire.service", args, environ)
	checkStopGrace(t, "hubwire.service", stopGrace)
}
