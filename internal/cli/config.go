package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// WriteConfig writes the flags' values as a YAML config file that
// ApplyFile reads back to the same values: in the usage's sections, each
// a comment. A flag for which secret says true is not written: a comment
// names it and where else to give it. The flags named in skip (such as
// --config itself) are left out.
func (f *Flags) WriteConfig(w io.Writer, secret func(name, value string) bool, skip ...string) error {
	titles, names := f.Groups()
	for i, title := range titles {
		var lines []string
		for _, name := range names[i] {
			if contains(skip, name) {
				continue
			}
			fl := f.Lookup(name)
			value := fl.Value.String()
			if secret(name, value) {
				lines = append(lines, fmt.Sprintf("# %s: set, not shown (put it back here, or give it as --%s or %s)", name, name, f.Env(name)))
				continue
			}
			var v any = value
			if g, ok := fl.Value.(flag.Getter); ok {
				v = g.Get() // a bool, a number: unquoted
			}
			if l, ok := fl.Value.(*List); ok {
				v = append([]string{}, l.Values...)
			}
			text, err := yamlFlow(v)
			if err != nil {
				return fmt.Errorf("--%s: %w", name, err)
			}
			lines = append(lines, name+": "+text)
		}
		if len(lines) == 0 {
			continue
		}
		if title != "" {
			fmt.Fprintf(w, "\n# %s\n", title)
		}
		fmt.Fprintln(w, strings.Join(lines, "\n"))
	}
	return nil
}

// yamlFlow is v as one line of YAML.
func yamlFlow(v any) (string, error) {
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		return "", err
	}
	if n.Kind == yaml.SequenceNode {
		n.Style = yaml.FlowStyle
	}
	out, err := yaml.Marshal(&n)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(out), "\n"), nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
