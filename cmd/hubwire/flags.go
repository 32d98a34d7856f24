package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// flags is a flag.FlagSet whose every flag can also be set by an
// environment variable, HUBWIRE_<NAME> (dashes become underscores). A flag
// on the command line wins over the variable.
type flags struct {
	*flag.FlagSet
	summary string
}

func newFlags(name, summary string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	f := &flags{FlagSet: fs, summary: summary}
	fs.Usage = func() { f.usage(fs.Output()) }
	return f
}

// envName is the environment variable of a flag.
func envName(flagName string) string {
	return "HUBWIRE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse reads args, then the environment for the flags args left unset.
// Positional arguments are refused: no subcommand takes any yet.
func (f *flags) parse(args []string, getenv func(string) string) error {
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (see hubwire %s --help)", f.Arg(0), f.Name())
	}
	set := map[string]bool{}
	f.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	var err error
	f.VisitAll(func(fl *flag.Flag) {
		if set[fl.Name] || err != nil {
			return
		}
		if v := getenv(envName(fl.Name)); v != "" {
			if e := f.Set(fl.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %v", envName(fl.Name), v, e)
			}
		}
	})
	return err
}

func (f *flags) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: hubwire %s [flags]\n\n%s\n\nFlags (each can also be set by the environment variable shown):\n", f.Name(), f.summary)
	f.VisitAll(func(fl *flag.Flag) {
		kind, help := flag.UnquoteUsage(fl)
		fmt.Fprintf(w, "  --%s %s\n", fl.Name, kind)
		for _, line := range strings.Split(help, "\n") {
			fmt.Fprintf(w, "        %s\n", line)
		}
		if fl.DefValue != "" {
			fmt.Fprintf(w, "        default: %s\n", fl.DefValue)
		}
		fmt.Fprintf(w, "        env: %s\n", envName(fl.Name))
	})
}
