package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/internal/cli"
	"github.com/hubwire/hubwire/internal/redact"
	"github.com/hubwire/hubwire/server"
)

// secretFlags are masked when the configuration is printed.
var secretFlags = []string{"token", "source-token", "nats-password", "nats-token", "kafka-password"}

func decodeSources(path string, n *yaml.Node) (map[string]server.Source, error) {
	if err := durationsWithDays(path, n); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(&buf)
	dec.KnownFields(true)
	var sources map[string]server.Source
	if err := dec.Decode(&sources); err != nil {
		return nil, fmt.Errorf("%s: sources: %w", path, err)
	}
	for name := range sources {
		if _, ok := all.Registries.Get(name); !ok {
			return nil, fmt.Errorf("%s: sources: unknown source %q; want %s", path, name, oneOf(all.Registries.Names()))
		}
	}
	return sources, nil
}

const configSummary = `Check a configuration: read the flags, the HUBWIRE_ variables and the
--config file as hubwire serve would, report the first problem, or print the
effective configuration with secrets masked.

  hubwire config check --config hubwire.yaml`

// sourcesShown is the sources without their tokens and secrets, and a
// line for each left out.
func sourcesShown(sources map[string]server.Source) (map[string]server.Source, []string) {
	shown := map[string]server.Source{}
	var hidden []string
	for _, name := range slices.Sorted(maps.Keys(sources)) {
		src := sources[name]
		if len(src.Tokens) > 0 {
			hidden = append(hidden, fmt.Sprintf("sources.%s.tokens: %d set, not shown (put them back, or give them as --source-token %s=…)", name, len(src.Tokens), name))
			src.Tokens = nil
		}
		if sw := src.StandardWebhooks; sw != nil && len(sw.Secrets) > 0 {
			c := *sw
			c.Secrets = nil
			src.StandardWebhooks = &c
			hidden = append(hidden, fmt.Sprintf("sources.%s.standard-webhooks.secrets: %d set, not shown (put them back)", name, len(sw.Secrets)))
		}
		if h := src.HMAC; h != nil && len(h.Secrets) > 0 {
			c := *h
			c.Secrets = nil
			src.HMAC = &c
			hidden = append(hidden, fmt.Sprintf("sources.%s.hmac.secrets: %d set, not shown (put them back)", name, len(h.Secrets)))
		}
		if sh := src.SecretHeader; sh != nil && len(sh.Secrets) > 0 {
			c := *sh
			c.Secrets = nil
			src.SecretHeader = &c
			hidden = append(hidden, fmt.Sprintf("sources.%s.secret-header.secrets: %d set, not shown (put them back)", name, len(sh.Secrets)))
		}
		shown[name] = src
	}
	return shown, hidden
}

// durationsWithDays rewrites the durations of the sources section (their
// tolerance) that cli.ParseDuration reads but Go's does not (1d) as Go's,
// so that days are taken there as in every other duration.
func durationsWithDays(path string, n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "tolerance" && v.Kind == yaml.ScalarNode {
				d, err := cli.ParseDuration(v.Value)
				if err != nil {
					return fmt.Errorf("%s:%d: tolerance %q: %w", path, v.Line, v.Value, err)
				}
				v.Value, v.Tag = d.String(), "!!str"
			}
		}
	}
	for _, c := range n.Content {
		if err := durationsWithDays(path, c); err != nil {
			return err
		}
	}
	return nil
}

// configCommand is hubwire config check.
func configCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintln(stderr, configSummary)
		return errors.New("usage: hubwire config check [serve's flags]")
	}
	var c serveConfig
	f := c.flags(stderr)
	cfg, err := parseServeWith(f, &c, args[1:], getenv)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# The effective configuration of hubwire serve: the flags, then the HUBWIRE_\n# variables, then the config file, then the defaults. It works as a --config file;\n# secrets are not shown (each is a comment: put it back, or set its variable).\n")
	secret := func(name, value string) bool {
		return value != "" && (slices.Contains(secretFlags, name) || (name == "broker" && redact.URLs(value) != value))
	}
	if err := f.WriteConfig(stdout, secret, "config"); err != nil {
		return err
	}
	if len(cfg.sources) == 0 {
		return nil
	}
	shown, hidden := sourcesShown(cfg.sources)
	out, err := yaml.Marshal(map[string]any{"sources": shown})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n# Per source\n%s", out)
	for _, h := range hidden {
		fmt.Fprintf(stdout, "# %s\n", h)
	}
	return nil
}
