// Package cli is the command line of hubwire's commands: a flag.FlagSet
// whose every flag can also be set by an environment variable and by a
// YAML file of settings, and whose usage shows all three.
package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// Flags is a flag.FlagSet whose every flag can also be set by an
// environment variable, HUBWIRE_<NAME> (dashes become underscores). A flag
// on the command line wins over the variable.
type Flags struct {
	*flag.FlagSet
	summary string
	// Positional names the command's argument in its usage (" <event-id>").
	Positional string
}

// New returns the flags of the command hubwire <name>, which summary
// describes in its usage.
func New(name, summary string) *Flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	f := &Flags{FlagSet: fs, summary: summary}
	fs.Usage = func() { f.usage(fs.Output()) }
	return f
}

// EnvName is the environment variable of a flag.
func EnvName(flagName string) string {
	return "HUBWIRE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// ParseArgs reads args, then the environment for the flags args left
// unset. Positional arguments are refused.
func (f *Flags) ParseArgs(args []string, getenv func(string) string) error {
	if err := f.Parse(args); err != nil {
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
	if err := f.Parse(args); err != nil {
		return "", err
	}
	if arg == "" && f.NArg() > 0 {
		arg = f.Arg(0)
		if err := f.Parse(f.Args()[1:]); err != nil {
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

// applyEnv sets the flags the command line left unset from the environment.
func (f *Flags) applyEnv(getenv func(string) string) error {
	set := map[string]bool{}
	f.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	var err error
	f.VisitAll(func(fl *flag.Flag) {
		if set[fl.Name] || err != nil {
			return
		}
		if v := getenv(EnvName(fl.Name)); v != "" {
			if e := f.Set(fl.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %v", EnvName(fl.Name), v, e)
			}
		}
	})
	return err
}

func (f *Flags) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: hubwire %s%s [flags]\n\n%s\n\nFlags (each can also be set by the environment variable shown):\n", f.Name(), f.Positional, f.summary)
	f.VisitAll(func(fl *flag.Flag) {
		kind, help := flag.UnquoteUsage(fl)
		fmt.Fprintf(w, "  --%s %s\n", fl.Name, kind)
		for _, line := range strings.Split(help, "\n") {
			fmt.Fprintf(w, "        %s\n", line)
		}
		if fl.DefValue != "" {
			fmt.Fprintf(w, "        default: %s\n", fl.DefValue)
		}
		fmt.Fprintf(w, "        env: %s\n", EnvName(fl.Name))
	})
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
