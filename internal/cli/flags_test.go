package cli

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// testFlags is a command "send" with a global --broker and its own --type
// and --max-age.
func testFlags(out *bytes.Buffer) (*Flags, *string, *string, *time.Duration) {
	var broker, typ string
	var maxAge time.Duration
	f := New("send", "Send something.")
	f.SetOutput(out)
	f.Group("Broker")
	f.Global(func() { f.StringVar(&broker, "broker", "nats://127.0.0.1:4222", "broker `URL`") })
	f.Group("What")
	f.StringVar(&typ, "type", "", "event `type`")
	f.DurationVar(&maxAge, "max-age", 30*day, "how long (`duration`)")
	f.Bool("http-addr", false, "a flag to misspell")
	return f, &broker, &typ, &maxAge
}

func TestMistypedFlagIsOneLineWithASuggestion(t *testing.T) {
	for typed, want := range map[string]string{
		"--http_addr": "unknown flag --http_addr; did you mean --http-addr?",
		"--HTTP-ADDR": "unknown flag --HTTP-ADDR; did you mean --http-addr?",
		"--maxage":    "unknown flag --maxage; did you mean --max-age?",
		"--tpye":      "unknown flag --tpye; did you mean --type?",
		"-brokr":      "unknown flag --brokr; did you mean --broker?",
		"--verbose":   "unknown flag --verbose (see hubwire send --help)",
	} {
		var out bytes.Buffer
		f, _, _, _ := testFlags(&out)
		err := f.ParseArgs([]string{typed}, env(nil))
		if err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %q", typed, err, want)
		}
		if out.Len() > 0 {
			t.Errorf("%s: printed %q besides the error (the usage?)", typed, out.String())
		}
	}
	var out bytes.Buffer
	f, _, _, _ := testFlags(&out)
	if err := f.ParseArgs([]string{"--max-age", "soon"}, env(nil)); err == nil || err.Error() != `--max-age "soon": want a duration such as 90s, 15m, 2h, 30d or 1d12h` {
		t.Errorf("bad value: %v", err)
	}
	if err := f.ParseArgs([]string{"--type"}, env(nil)); err == nil || err.Error() != "--type needs a value (see hubwire send --help)" {
		t.Errorf("no value: %v", err)
	}
	if out.Len() > 0 {
		t.Errorf("printed %q besides the errors", out.String())
	}
}

func TestHelpIsGrouped(t *testing.T) {
	var out bytes.Buffer
	f, _, _, _ := testFlags(&out)
	if err := f.ParseArgs([]string{"--help"}, env(nil)); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	help := out.String()
	broker, what := strings.Index(help, "\nBroker:\n  --broker URL\n"), strings.Index(help, "\nWhat:\n")
	if broker < 0 || what < broker || !strings.Contains(help[what:], "--max-age duration") || !strings.Contains(help[what:], "default: 30d") {
		t.Errorf("help not grouped:\n%s", help)
	}
}

func TestEnvironmentOfACommandsOwnFlags(t *testing.T) {
	var out bytes.Buffer
	f, broker, typ, maxAge := testFlags(&out)
	err := f.ParseArgs(nil, env(map[string]string{"HUBWIRE_BROKER": "nats://n:4222", "HUBWIRE_SEND_TYPE": "push", "HUBWIRE_SEND_MAX_AGE": "2d"}))
	if err != nil || *broker != "nats://n:4222" || *typ != "push" || *maxAge != 48*time.Hour {
		t.Errorf("got %v %q %q %v", err, *broker, *typ, *maxAge)
	}
	if f.Env("broker") != "HUBWIRE_BROKER" || f.Env("type") != "HUBWIRE_SEND_TYPE" {
		t.Errorf("names: %s %s", f.Env("broker"), f.Env("type"))
	}
	// The bare name of a command's own flag is refused, not ignored.
	f, _, _, _ = testFlags(&out)
	err = f.ParseArgs(nil, env(map[string]string{"HUBWIRE_TYPE": "push"}))
	if err == nil || !strings.Contains(err.Error(), "HUBWIRE_TYPE is set, but hubwire send reads HUBWIRE_SEND_TYPE for --type") {
		t.Errorf("HUBWIRE_TYPE: %v", err)
	}
}

func TestDurationsTakeDays(t *testing.T) {
	for text, want := range map[string]time.Duration{
		"30d": 30 * day, "1d12h": 36 * time.Hour, "0.5d": 12 * time.Hour, "90s": 90 * time.Second, "0": 0, "-1d": -day, "2h30m": 150 * time.Minute,
	} {
		got, err := ParseDuration(text)
		if err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", text, got, err, want)
		}
	}
	for _, bad := range []string{"", "d", "30x", "1.2.3d", "1e3d", "NaNd", "d12h", "1d-2h", "99999999d"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for d, want := range map[time.Duration]string{
		30 * day: "30d", 36 * time.Hour: "1d12h", 2 * time.Hour: "2h", 90 * time.Minute: "1h30m", 10 * time.Minute: "10m",
		45 * time.Second: "45s", 0: "0s", 1500 * time.Millisecond: "1.5s", -2 * day: "-2d",
	} {
		got := FormatDuration(d)
		if got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
		if back, err := ParseDuration(got); err != nil || back != d {
			t.Errorf("%q reads back as %v %v", got, back, err)
		}
	}
}

func TestFileTakesDaysAndSuggests(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(path, []byte("max-age: 7d\n"), 0o600)
	var out bytes.Buffer
	f, _, _, maxAge := testFlags(&out)
	f.Parse(nil)
	if _, err := f.ApplyFile(path, "sources"); err != nil || *maxAge != 7*day {
		t.Errorf("max-age: 7d: %v %v", err, *maxAge)
	}
	os.WriteFile(path, []byte("max_age: 7d\n"), 0o600)
	if _, err := f.ApplyFile(path, "sources"); err == nil || !strings.HasSuffix(err.Error(), `:1: unknown setting "max_age"; did you mean max-age?`) {
		t.Errorf("max_age: %v", err)
	}
}
