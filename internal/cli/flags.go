// Package cli is the command line of hubwire's commands: a flag.FlagSet
// whose every flag can also be set by an environment variable and by a
// YAML file of settings, and whose usage shows all three.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// Flags is a flag.FlagSet whose every flag can also be set by an
// environment variable (a flag on the command line wins over it).
//
// The variable of a flag is HUBWIRE_<COMMAND>_<FLAG> (dashes become
// underscores), so that one name never means two things in two commands
// (send's --type and replay's --type); flags defined inside Global, the
// ones every command means the same by (serve's, the broker's address and
// credentials), are read from HUBWIRE_<FLAG>.
type Flags struct {
	*flag.FlagSet
	summary string
	// Positional names the command's argument in its usage (" <event-id>").
	Positional string

	global map[string]bool
	envAs  map[string]string
	// groups are the usage's sections, in order; groups[0] is untitled.
	groups  []group
	groupOf map[string]int
}

type group struct {
	title string
	names []string
}

// New returns the flags of the command hubwire <name>, which summary
// describes in its usage.
func New(name, summary string) *Flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	f := &Flags{FlagSet: fs, summary: summary, global: map[string]bool{}, envAs: map[string]string{}, groups: []group{{}}, groupOf: map[string]int{}}
	fs.Usage = func() { f.usage(fs.Output()) }
	return f
}

// EnvName is the environment variable HUBWIRE_<FLAG> of a global flag.
func EnvName(flagName string) string {
	return "HUBWIRE_" + envWord(flagName)
}

func envWord(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "_")) }

// Env is the environment variable of the flag name.
func (f *Flags) Env(name string) string {
	if as, ok := f.envAs[name]; ok {
		return as
	}
	if f.global[name] {
		return EnvName(name)
	}
	return "HUBWIRE_" + envWord(f.Name()) + "_" + envWord(name)
}

// EnvAs names the variable of a command's own flag whose usual name,
// HUBWIRE_<COMMAND>_<FLAG>, is a global one too (ack's --timeout and
// serve's --ack-timeout); word replaces <FLAG>.
func (f *Flags) EnvAs(name, word string) {
	f.envAs[name] = "HUBWIRE_" + envWord(f.Name()) + "_" + envWord(word)
}

// Global defines flags through define whose variable is HUBWIRE_<FLAG>
// in every command that has them: the settings of hubwire serve, and the
// client commands' way to the broker, which mean the same everywhere.
func (f *Flags) Global(define func()) {
	before := f.defined()
	define()
	f.VisitAll(func(fl *flag.Flag) {
		if !before[fl.Name] {
			f.global[fl.Name] = true
		}
	})
}

// Group starts a section of the usage: the flags defined after it, up to
// the next Group, are shown under title.
func (f *Flags) Group(title string) {
	f.closeGroup()
	f.groups = append(f.groups, group{title: title})
}

// closeGroup gives the flags defined since the last Group to the last
// group.
func (f *Flags) closeGroup() {
	last := len(f.groups) - 1
	f.VisitAll(func(fl *flag.Flag) {
		if _, ok := f.groupOf[fl.Name]; !ok {
			f.groupOf[fl.Name] = last
			f.groups[last].names = append(f.groups[last].names, fl.Name)
		}
	})
}

func (f *Flags) defined() map[string]bool {
	names := map[string]bool{}
	f.VisitAll(func(fl *flag.Flag) { names[fl.Name] = true })
	return names
}

// Groups lists the titles of the usage's sections, with the flags of
// each in the order usage shows them; the first title is "" (the flags
// defined before any Group).
func (f *Flags) Groups() (titles []string, names [][]string) {
	f.closeGroup()
	for _, g := range f.groups {
		titles = append(titles, g.title)
		names = append(names, g.names)
	}
	return titles, names
}

// DurationVar defines a flag of a duration, which also takes days (30d,
// 1d12h) as Go's durations do not.
func (f *Flags) DurationVar(p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	f.Var((*durationValue)(p), name, usage)
}

type durationValue time.Duration

func (d *durationValue) String() string { return FormatDuration(time.Duration(*d)) }

func (d *durationValue) Set(s string) error {
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = durationValue(v)
	return nil
}

// ParseArgs reads args, then the environment for the flags args left
// unset. Positional arguments are refused.
func (f *Flags) ParseArgs(args []string, getenv func(string) string) error {
	if err := f.parse(args); err != nil {
		return err
	}
	if f.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (see hubwire %s --help)", f.Arg(0), f.Name())
	}
	return f.applyEnv(getenv)
}

// ParseOne is ParseArgs for a command that takes one positional
// argument, before or after the flags; what names it in the error for a
// missing one.
func (f *Flags) ParseOne(args []string, getenv func(string) string, what string) (string, error) {
	var arg string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		arg, args = args[0], args[1:]
	}
	if err := f.parse(args); err != nil {
		return "", err
	}
	if arg == "" && f.NArg() > 0 {
		arg = f.Arg(0)
		if err := f.parse(f.Args()[1:]); err != nil {
			return "", err
		}
	}
	if f.NArg() > 0 {
		return "", fmt.Errorf("unexpected argument %q (see hubwire %s --help)", f.Arg(0), f.Name())
	}
	if arg == "" {
		return "", fmt.Errorf("hubwire %s needs the %s (see hubwire %s --help)", f.Name(), what, f.Name())
	}
	return arg, f.applyEnv(getenv)
}

// parse is flag's Parse, quiet: the usage is printed only when asked for
// (-h, --help), and a mistake is one line, returned, that names the flag
// as it is written (--max-age) and, for a misspelt one, the nearest.
func (f *Flags) parse(args []string) error {
	out := f.Output()
	f.SetOutput(io.Discard)
	err := f.Parse(args)
	f.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		f.usage(out)
		return err
	}
	if err != nil {
		return f.explain(err)
	}
	return nil
}

var (
	notDefined   = regexp.MustCompile(`^flag provided but not defined: -+(.*)$`)
	invalidValue = regexp.MustCompile(`^invalid (?:boolean )?value ("(?:[^"\\]|\\.)*") for (?:flag )?-(\S+): (.*)$`)
	needsValue   = regexp.MustCompile(`^flag needs an argument: -+(.*)$`)
)

// explain rewrites the flag package's messages.
func (f *Flags) explain(err error) error {
	msg := err.Error()
	if m := notDefined.FindStringSubmatch(msg); m != nil {
		if near := Nearest(m[1], f.names()); near != "" {
			return fmt.Errorf("unknown flag --%s; did you mean --%s?", m[1], near)
		}
		return fmt.Errorf("unknown flag --%s (see hubwire %s --help)", m[1], f.Name())
	}
	if m := invalidValue.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("--%s %s: %s", m[2], m[1], m[3])
	}
	if m := needsValue.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("--%s needs a value (see hubwire %s --help)", m[1], f.Name())
	}
	return err
}

func (f *Flags) names() []string {
	var names []string
	f.VisitAll(func(fl *flag.Flag) { names = append(names, fl.Name) })
	return names
}

// applyEnv sets the flags the command line left unset from the
// environment. A command's own flag whose variable is set under the
// global name (HUBWIRE_TYPE for replay's --type) is an error, not
// ignored: it once was read, and may be meant for this command.
func (f *Flags) applyEnv(getenv func(string) string) error {
	set := map[string]bool{}
	f.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	var err error
	f.VisitAll(func(fl *flag.Flag) {
		if set[fl.Name] || err != nil {
			return
		}
		name := f.Env(fl.Name)
		if v := getenv(name); v != "" {
			if e := f.Set(fl.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %v", name, v, e)
			}
			return
		}
		if bare := EnvName(fl.Name); bare != name && getenv(bare) != "" {
			err = fmt.Errorf("%s is set, but hubwire %s reads %s for --%s (a variable of one command's own flag carries the command's name); rename it, or unset it", bare, f.Name(), name, fl.Name)
		}
	})
	return err
}

func (f *Flags) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: hubwire %s%s [flags]\n\n%s\n\nFlags (each can also be set by the environment variable shown):\n", f.Name(), f.Positional, f.summary)
	titles, names := f.Groups()
	for i, title := range titles {
		if len(names[i]) == 0 {
			continue
		}
		if title != "" {
			fmt.Fprintf(w, "\n%s:\n", title)
		}
		for _, name := range names[i] {
			fl := f.Lookup(name)
			kind, help := flag.UnquoteUsage(fl)
			fmt.Fprintf(w, "  --%s %s\n", fl.Name, kind)
			for _, line := range strings.Split(help, "\n") {
				fmt.Fprintf(w, "        %s\n", line)
			}
			if fl.DefValue != "" {
				fmt.Fprintf(w, "        default: %s\n", fl.DefValue)
			}
			fmt.Fprintf(w, "        env: %s\n", f.Env(fl.Name))
		}
	}
}

// List is a repeatable flag whose values may also be comma-separated
// (as its environment variable is). Values set before parsing are its
// default.
type List struct {
	Values []string
	set    bool
}

func (l *List) String() string { return strings.Join(l.Values, ",") }

// Set implements flag.Value: the first value given replaces the default.
func (l *List) Set(v string) error {
	if !l.set {
		l.Values, l.set = nil, true
	}
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			l.Values = append(l.Values, part)
		}
	}
	return nil
}
