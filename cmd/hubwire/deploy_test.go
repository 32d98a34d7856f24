package main

import (
	"flag"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

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
