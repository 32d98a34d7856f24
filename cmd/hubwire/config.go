package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/adapter/receiver"
	"github.com/hubwire/hubwire/internal/cli"
)

// sourceSettings are the settings of one source in the config file, for
// what does not fit a flag.
type sourceSettings struct {
	// RequiredConsumers replaces --required-consumers for this source.
	RequiredConsumers []string `yaml:"required-consumers,omitempty"`
	// Tokens are the source's own webhook tokens (--source-token).
	Tokens []string `yaml:"tokens,omitempty"`
	// StandardWebhooks and HMAC, when set, make every delivery of the
	// source carry a signature that verifies.
	StandardWebhooks *struct {
		Secrets   []string      `yaml:"secrets"`
		Tolerance time.Duration `yaml:"tolerance,omitempty"`
	} `yaml:"standard-webhooks,omitempty"`
	HMAC *struct {
		Header    string   `yaml:"header"`
		Algorithm string   `yaml:"algorithm"`
		Encoding  string   `yaml:"encoding"`
		Prefix    string   `yaml:"prefix,omitempty"`
		Secrets   []string `yaml:"secrets"`
	} `yaml:"hmac,omitempty"`
}

// verifiersFor builds the signature checks the sources section asks for.
func verifiersFor(sources map[string]sourceSettings) (map[string][]receiver.Verifier, error) {
	out := map[string][]receiver.Verifier{}
	for name, src := range sources {
		if sw := src.StandardWebhooks; sw != nil {
			v, err := receiver.NewStandardWebhooks(sw.Secrets, cmp.Or(sw.Tolerance, 5*time.Minute))
			if err != nil {
				return nil, fmt.Errorf("sources: %s: standard-webhooks: %w", name, err)
			}
			out[name] = append(out[name], v)
		}
		if h := src.HMAC; h != nil {
			v, err := receiver.NewHMAC(h.Header, cmp.Or(h.Algorithm, "sha256"), cmp.Or(h.Encoding, "hex"), h.Prefix, h.Secrets)
			if err != nil {
				return nil, fmt.Errorf("sources: %s: hmac: %w", name, err)
			}
			out[name] = append(out[name], v)
		}
	}
	return out, nil
}

// secretFlags are masked when the configuration is printed.
var secretFlags = []string{"token", "source-token", "nats-password", "nats-token", "kafka-password"}

func decodeSources(path string, n *yaml.Node) (map[string]sourceSettings, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(&buf)
	dec.KnownFields(true)
	var sources map[string]sourceSettings
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
	f := cli.New("serve", serveSummary)
	f.SetOutput(stderr)
	c.register(f)
	cfg, err := parseServeWith(f, &c, args[1:], getenv)
	if err != nil {
		return err
	}
	effective := map[string]any{}
	f.VisitAll(func(fl *flag.Flag) {
		value := fl.Value.String()
		if slices.Contains(secretFlags, fl.Name) && value != "" {
			value = "****"
		}
		effective[fl.Name] = value
	})
	if len(cfg.sources) > 0 {
		masked := map[string]sourceSettings{}
		for name, src := range cfg.sources {
			src.Tokens = maskAll(src.Tokens)
			if sw := src.StandardWebhooks; sw != nil {
				c := *sw
				c.Secrets = maskAll(c.Secrets)
				src.StandardWebhooks = &c
			}
			if h := src.HMAC; h != nil {
				c := *h
				c.Secrets = maskAll(c.Secrets)
				src.HMAC = &c
			}
			masked[name] = src
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

func maskAll(secrets []string) []string {
	if secrets == nil {
		return nil
	}
	out := make([]string, len(secrets))
	for i := range out {
		out[i] = "****"
	}
	return out
}
