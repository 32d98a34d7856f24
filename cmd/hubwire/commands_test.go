package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// TestCompletionScripts writes each shell's script and has the shell
// check its syntax; bash's is also run, as bash runs it on a Tab.
func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), []string{"completion", shell}, &out, &errOut, noEnv); code != 0 {
			t.Fatalf("completion %s: exit %d: %s", shell, code, errOut.String())
		}
		script := filepath.Join(t.TempDir(), "hubwire."+shell)
		os.WriteFile(script, out.Bytes(), 0o600)
		for _, want := range []string{"serve", "http-addr", "max-age", "replay", "from-seq", "dockerhub", "completion"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s script lacks %q", shell, want)
			}
		}
		sh, err := exec.LookPath(shell)
		if err != nil {
			// The content checks above are what can be checked without it.
			t.Logf("%s is not installed (apt-get install %s): its script's syntax is not checked", shell, shell)
			continue
		}
		if msg, err := exec.Command(sh, "-n", script).CombinedOutput(); err != nil {
			t.Errorf("%s -n: %v\n%s", shell, err, msg)
		}
	}

	// Tab after words, as bash calls the function.
	var script bytes.Buffer
	run(context.Background(), []string{"completion", "bash"}, &script, &script, noEnv)
	complete := func(words ...string) string {
		t.Helper()
		q := make([]string, len(words))
		for i, w := range words {
			q[i] = "'" + w + "'"
		}
		prog := script.String() + "\nCOMP_WORDS=(" + strings.Join(q, " ") + "); COMP_CWORD=" + strconv.Itoa(len(words)-1) + "; _hubwire; echo \"${COMPREPLY[*]}\"\n"
		out, err := exec.Command("bash", "-c", prog).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", words, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	for _, tc := range []struct {
		words []string
		want  string
	}{
		{[]string{"hubwire", "se"}, "serve send"},
		{[]string{"hubwire", "serve", "--http"}, "--http-addr"},
		{[]string{"hubwire", "replay", "--from"}, "--from-seq"},
		{[]string{"hubwire", "send", "dock"}, "dockerhub"},
		{[]string{"hubwire", "completion", "z"}, "zsh"},
		{[]string{"hubwire", "config", ""}, "check"},
		{[]string{"hubwire", "serve", "--http-addr", ""}, ""}, // a value: nothing to offer
	} {
		if got := complete(tc.words...); got != tc.want {
			t.Errorf("%v<Tab>: %q, want %q", tc.words, got, tc.want)
		}
	}
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"completion", "powershell"}, &errOut, &errOut, noEnv); code != 1 || !strings.Contains(errOut.String(), "bash, zsh or fish") {
		t.Errorf("completion powershell: %d %s", code, errOut.String())
	}
}

func TestVersion(t *testing.T) {
	semver := regexp.MustCompile(`^hubwire (0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?\n`)
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}} {
		var out bytes.Buffer
		if code := run(context.Background(), args, &out, &out, noEnv); code != 0 {
			t.Errorf("%v: exit %d", args, code)
		}
		if !semver.MatchString(out.String()) || !strings.Contains(out.String(), "commit:") || !strings.Contains(out.String(), "go:           go1.") ||
			!strings.Contains(out.String(), "nats-server:  "+natsserver.VERSION) {
			t.Errorf("%v:\n%s", args, out.String())
		}
	}
	// What the Makefile passes.
	defer func(v, c string) { Version, Commit = v, c }(Version, Commit)
	Version, Commit = "v1.4.0-2-gabcdef0", "abcdef0123456789"
	var out bytes.Buffer
	run(context.Background(), []string{"version"}, &out, &out, noEnv)
	if !strings.HasPrefix(out.String(), "hubwire 1.4.1-dev.2+abcdef0\n  commit:       abcdef0123456789") {
		t.Errorf("built from git describe v1.4.0-2-gabcdef0:\n%s", out.String())
	}
}

func TestUnknownCommandSuggests(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"serv"}, &out, &errOut, noEnv); code != 2 || errOut.String() != "hubwire: unknown command \"serv\"; did you mean hubwire serve?\n" {
		t.Errorf("serv: %d %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"serve", "--http_addr", "x"}, &out, &errOut, noEnv); code != 1 || errOut.String() != "hubwire: unknown flag --http_addr; did you mean --http-addr?\n" {
		t.Errorf("--http_addr: %d %q", code, errOut.String())
	}
}

// TestNoVariableMeansTwoThings reads every command's flags: a variable
// is either serve's (HUBWIRE_<FLAG>, the same setting wherever it is
// read) or one command's own (HUBWIRE_<COMMAND>_<FLAG>).
func TestNoVariableMeansTwoThings(t *testing.T) {
	var s serveConfig
	serveFlags := s.flags(nil)
	readBy := map[string]string{} // variable → command --flag
	for _, c := range commands() {
		if c.Flags == nil {
			continue
		}
		c.Flags.VisitAll(func(fl *flag.Flag) {
			name := c.Flags.Env(fl.Name)
			what := c.Name + " --" + fl.Name
			if c.Name == "config" {
				what = "serve --" + fl.Name // config check reads serve's
			}
			switch {
			case strings.HasPrefix(name, "HUBWIRE_"+envWord(c.Name)+"_") && serveFlags.Lookup(strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, "HUBWIRE_"), "_", "-"))) == nil:
			case serveFlags.Lookup(fl.Name) != nil && serveFlags.Env(fl.Name) == name:
				what = "serve --" + fl.Name // the same setting as serve's
			default:
				t.Errorf("%s reads %s, neither its own variable nor serve's", what, name)
			}
			if prev, ok := readBy[name]; ok && prev != what {
				t.Errorf("%s means %s and %s", name, prev, what)
			}
			readBy[name] = what
		})
	}
	for _, want := range []string{"HUBWIRE_REPLAY_TYPE", "HUBWIRE_TAIL_TYPE", "HUBWIRE_SEND_TYPE", "HUBWIRE_SEND_TO", "HUBWIRE_REPLAY_TO", "HUBWIRE_ACK_ANSWER_TIMEOUT", "HUBWIRE_ACK_TIMEOUT", "HUBWIRE_SEND_TIMEOUT", "HUBWIRE_BROKER"} {
		if _, ok := readBy[want]; !ok {
			t.Errorf("no command reads %s", want)
		}
	}
}

func envWord(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "_")) }
