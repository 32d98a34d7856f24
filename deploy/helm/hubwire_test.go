package helm

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// The real hubwire, built from this repository, is what the chart's flags,
// variables and probes are checked against.
var (
	buildOnce sync.Once
	binary    string
	buildErr  error
	buildOut  []byte
)

func hubwire(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hubwire-helm-test")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "hubwire")
		cmd := exec.Command("go", "build", "-o", binary, "./cmd/hubwire")
		cmd.Dir = filepath.Join("..", "..")
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("building hubwire: %v\n%s", buildErr, buildOut)
	}
	return binary
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary != "" {
		os.RemoveAll(filepath.Dir(binary))
	}
	os.Exit(code)
}

// commandHelp is what `hubwire <command> --help` says a command takes.
type commandHelp struct {
	flags map[string]bool // without the dashes
	env   map[string]bool
}

var (
	helpMu    sync.Mutex
	helpCache = map[string]commandHelp{}
)

// helpOf runs `hubwire <command> --help` and reads its flags and variables.
func helpOf(t *testing.T, command string) commandHelp {
	t.Helper()
	helpMu.Lock()
	defer helpMu.Unlock()
	if h, ok := helpCache[command]; ok {
		return h
	}
	out, _ := exec.Command(hubwire(t), command, "--help").CombinedOutput()
	h := commandHelp{flags: map[string]bool{}, env: map[string]bool{}}
	for _, m := range regexp.MustCompile(`(?m)^  --([a-z0-9-]+)`).FindAllStringSubmatch(string(out), -1) {
		h.flags[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`(?m)^\s+env: (HUBWIRE_[A-Z0-9_]+)$`).FindAllStringSubmatch(string(out), -1) {
		h.env[m[1]] = true
	}
	if len(h.flags) == 0 || len(h.env) == 0 {
		t.Fatalf("hubwire %s --help lists no flags or variables:\n%s", command, out)
	}
	helpCache[command] = h
	return h
}

// runHubwire runs a hubwire command with exactly the environment given.
func runHubwire(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(hubwire(t), args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
