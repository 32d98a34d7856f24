package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ApplyFile reads a YAML config file whose keys are the flags' names
// (without --) plus a section named section, and sets each flag that
// neither the command line nor the environment set. It returns the
// section, for the caller to decode. Unknown keys are errors: a misspelt
// setting must not be silently ignored.
func (f *Flags) ApplyFile(path, section string) (*yaml.Node, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--config: %w", err)
	}
	var doc map[string]yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: not YAML: %w", path, err)
	}
	set := map[string]bool{}
	f.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var found *yaml.Node
	for _, key := range keys {
		node := doc[key]
		if key == section {
			found = &node
			continue
		}
		if f.Lookup(key) == nil || key == "config" {
			if near := Nearest(key, append(f.names(), section)); near != "" && near != "config" {
				return nil, fmt.Errorf("%s:%d: unknown setting %q; did you mean %s?", path, node.Line, key, near)
			}
			return nil, fmt.Errorf("%s:%d: unknown setting %q; the settings are the flags of hubwire %s (without --) and %s", path, node.Line, key, f.Name(), section)
		}
		if set[key] {
			continue // the command line or the environment wins
		}
		value, err := scalarText(&node)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %s: %w", path, node.Line, key, err)
		}
		if err := f.Set(key, value); err != nil {
			return nil, fmt.Errorf("%s:%d: %s: %q: %v", path, node.Line, key, value, err)
		}
	}
	return found, nil
}

// scalarText renders a scalar, or a list of scalars as a comma-separated
// list (as the repeatable flags take them).
func scalarText(n *yaml.Node) (string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value, nil
	case yaml.SequenceNode:
		var parts []string
		for _, item := range n.Content {
			if item.Kind != yaml.ScalarNode {
				return "", errors.New("a list may hold only plain values")
			}
			parts = append(parts, item.Value)
		}
		return strings.Join(parts, ","), nil
	}
	return "", errors.New("want a value or a list of values")
}
