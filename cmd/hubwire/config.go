package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/internal/redact"
	"github.com/hubwire/hubwire/server"
)

// secretFlags are masked when the configuration is printed.
var secretFlags = []string{"token", "source-token", "nats-password", "nats-token", "kafka-password"}

func decodeSources(path string, n *yaml.Node) (map[string]server.Source, error) {
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
	effective := map[string]any{}
	f.VisitAll(func(fl *flag.Flag) {
		value := fl.Value.String()
		switch {
		case slices.Contains(secretFlags, fl.Name) && value != "":
			value = "****"
		case fl.Name == "broker" && value != "":
			value = redact.URLs(value) // nats://user:password@host
		}
		effective[fl.Name] = value
	})
	if len(cfg.sources) > 0 {
		masked := map[string]server.Source{}
		for name, src := range cfg.sources {
			masked[name] = src.Masked()
		}
		effective["sources"] = masked
	}
	out, err := yaml.Marshal(effective)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# effective configuration (flags, then HUBWIRE_ variables, then the config file, then defaults)\n%s", out)
	return nil
}
