package main

import (
	"context"
	"fmt"
	"io"

	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/internal/cli"
)

// commands are hubwire's subcommands with their flags, for the
// completion scripts.
func commands() []cli.Command {
	var s, c serveConfig
	var r replayArgs
	var t tailArgs
	var a ackArgs
	var snd sendArgs
	var tok tokenArgs
	var hc healthcheckArgs
	return []cli.Command{
		{Name: "serve", Summary: "receive webhooks and publish them", Flags: s.flags(io.Discard)},
		{Name: "replay", Summary: "read stored events back", Flags: r.flags(io.Discard)},
		{Name: "tail", Summary: "follow new events as they are stored", Flags: t.flags(io.Discard)},
		{Name: "ack", Summary: "acknowledge an event as a consumer", Flags: a.flags(io.Discard)},
		{Name: "send", Summary: "post a sample delivery", Args: all.Registries.Names(), Flags: snd.flags(io.Discard)},
		{Name: "token", Summary: "print the webhook token serve generated", Flags: tok.flags(io.Discard)},
		{Name: "healthcheck", Summary: "exit 0 if this machine's serve is ready", Flags: hc.flags(io.Discard)},
		{Name: "config", Summary: "check a configuration and print it", Args: []string{"check"}, Flags: c.flags(io.Discard)},
		{Name: "completion", Summary: "print a shell completion script", Args: cli.Shells},
		{Name: "version", Summary: "print the version"},
		{Name: "help", Summary: "print the help"},
	}
}

const completionSummary = `Usage: hubwire completion bash|zsh|fish

Print the script that completes hubwire's commands and flags in a shell:

  source <(hubwire completion bash)     # in ~/.bashrc
  source <(hubwire completion zsh)      # in ~/.zshrc (after compinit)
  hubwire completion fish | source      # in ~/.config/fish/config.fish
`

// completionCommand is hubwire completion <shell>.
func completionCommand(_ context.Context, args []string, stdout, stderr io.Writer, _ func(string) string) error {
	if len(args) == 1 && (args[0] == "--help" || args[0] == "-h") {
		fmt.Fprint(stdout, completionSummary)
		return nil
	}
	if len(args) != 1 || !cli.HasShell(args[0]) {
		fmt.Fprint(stderr, completionSummary)
		return fmt.Errorf("completion: name one shell: bash, zsh or fish")
	}
	return cli.Completion(stdout, args[0], "hubwire", commands())
}
