// Command hubwire receives container registry webhooks, turns each into a
// CloudEvent, and publishes it to NATS JetStream.
//
// This package only reads flags and the environment and wires the parts
// together; the work is done in adapter/ and sinks/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/internal/cli"
)

var usage = `hubwire: container registry webhooks as CloudEvents on NATS JetStream.

Usage:
  hubwire serve [flags]    receive webhooks and publish them (see hubwire serve --help)
  hubwire replay [flags]   read stored events back: to stdout, an HTTP receiver or a
                           subject or topic (see hubwire replay --help)
  hubwire tail [flags]     follow new events as they are stored (see hubwire tail --help)
  hubwire ack <event-id> --state success|failure|error [flags]
                           acknowledge an event as a consumer (see hubwire ack --help)
  hubwire send <` + strings.Join(all.Registries.Names(), "|") + `> --to <webhook URL> [flags]
                           post a sample delivery, to try a setup (see hubwire send --help)
  hubwire token [--data-dir dir]
                           print the webhook token serve generated
  hubwire healthcheck      exit 0 if this machine's serve is ready (a container's HEALTHCHECK)
  hubwire config check [flags]
                           check a configuration and print it, secrets masked
  hubwire completion bash|zsh|fish
                           print a shell completion script
  hubwire version          print the version, commit, Go and NATS server versions
                           (also -v, --version)
  hubwire help             print this help

With no flags, serve runs an embedded NATS server with JetStream (data in
./hubwire-data, consumers connect to nats://127.0.0.1:4222 as user hubwire,
with the password kept in ./hubwire-data/nats-password) and the webhook
receiver on http://127.0.0.1:8080, and prints the URLs to paste into each
registry's webhook settings.
`

func commandNames() []string {
	return []string{"serve", "replay", "tail", "ack", "send", "token", "healthcheck", "config", "completion", "version", "help"}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// run is main with its dependencies passed in, so that tests run the real
// command in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, stderr, getenv)
	case "replay":
		err = replayCommand(ctx, args[1:], stdout, stderr, getenv)
	case "tail":
		err = tailCommand(ctx, args[1:], stdout, stderr, getenv)
	case "ack":
		err = ackCommand(ctx, args[1:], stdout, stderr, getenv)
	case "config":
		err = configCommand(ctx, args[1:], stdout, stderr, getenv)
	case "send":
		err = sendCommand(ctx, args[1:], stdout, stderr, getenv)
	case "token":
		err = tokenCommand(ctx, args[1:], stdout, stderr, getenv)
	case "healthcheck":
		err = healthcheckCommand(ctx, args[1:], stdout, stderr, getenv)
	case "completion":
		err = completionCommand(ctx, args[1:], stdout, stderr, getenv)
	case "version", "--version", "-v":
		fmt.Fprint(stdout, versionInfo())
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
	default:
		if near := cli.Nearest(args[0], commandNames()); near != "" {
			fmt.Fprintf(stderr, "hubwire: unknown command %q; did you mean hubwire %s?\n", args[0], near)
		} else {
			fmt.Fprintf(stderr, "hubwire: unknown command %q (see hubwire help)\n", args[0])
		}
		return 2
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errRefused):
		return 1
	case err != nil:
		fmt.Fprintln(stderr, "hubwire:", err)
		return 1
	}
	return 0
}
