package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/hubwire/hubwire/internal/cli"
	"github.com/hubwire/hubwire/internal/when"
	"github.com/hubwire/hubwire/sinks/replay"
)

// selection is the flags that say which events replay and tail read:
// where to start (and stop), and which types and repositories.
type selection struct {
	since, until         string
	fromSeq              uint64
	offsets              cli.List
	typesFlag, reposFlag cli.List
}

// register adds the flags; replay also gets --until, --from-seq and
// --offset, which make no sense for a tail.
func (s *selection) register(f *cli.Flags, replay bool) {
	what := "start with the events stored"
	if !replay {
		what = "first print the events stored"
	}
	f.StringVar(&s.since, "since", "", what+" since this `time`: a duration back from now\n(30m, 2h, 7d) or a time (2026-11-01T00:00:00Z, 2026-11-01); it is when\nhubwire stored the event, not the event's own time attribute")
	f.Var(&s.typesFlag, "type", "only events of this CloudEvent `type` (repeatable): com.docker.dtr.tag.push,\nor a prefix ending in .* such as com.docker.dtr.scan.*")
	f.Var(&s.reposFlag, "repo", "only events of this `repository` (repeatable): namespace/name, where *\nmatches any characters (acme/*, */api, acme/api-*)")
	if !replay {
		return
	}
	f.StringVar(&s.until, "until", "", "stop before the events stored after this `time` (same forms as --since)")
	f.Uint64Var(&s.fromSeq, "from-seq", 0, "NATS: start at this stream `sequence` (the seq of a 202 answer)")
	f.Var(&s.offsets, "offset", "Kafka: read only these partitions, each from its offset: `partition=offset`[,…]\n(0=120,3=55; repeatable)")
}

// check reads the flags' values for a broker of kind ("nats" or "kafka").
func (s *selection) check(now time.Time, kind string) (replay.Selection, error) {
	sel := replay.Selection{FromSeq: s.fromSeq}
	var err error
	if s.since != "" {
		if sel.Since, err = when.Parse(s.since, now); err != nil {
			return sel, fmt.Errorf("--since %q: %w", s.since, err)
		}
	}
	if s.until != "" {
		if sel.Until, err = when.Parse(s.until, now); err != nil {
			return sel, fmt.Errorf("--until %q: %w", s.until, err)
		}
		if !sel.Since.IsZero() && !sel.Until.After(sel.Since) {
			return sel, fmt.Errorf("--until %s is not after --since %s: nothing lies between", sel.Until.Format(time.RFC3339), sel.Since.Format(time.RFC3339))
		}
	}
	if s.fromSeq > 0 {
		if kind == "kafka" {
			return sel, errors.New("--from-seq is for NATS streams; Kafka has offsets per partition: use --offset partition=offset[,…]")
		}
		if s.since != "" {
			return sel, errors.New("--from-seq and --since both say where to start: give one")
		}
	}
	if len(s.offsets.Values) > 0 {
		if kind != "kafka" {
			return sel, errors.New("--offset is for Kafka topics; a NATS stream has one sequence: use --from-seq")
		}
		if s.since != "" {
			return sel, errors.New("--offset and --since both say where to start: give one")
		}
		if sel.Offsets, err = replay.ParseOffsets(s.offsets.Values); err != nil {
			return sel, err
		}
	}
	types := replay.Types{Names: knownTypes(), Kinds: eventKinds()}
	for _, t := range s.typesFlag.Values {
		p, err := replay.ParseType(t, types)
		if err != nil {
			return sel, fmt.Errorf("--type %q: %w", t, err)
		}
		sel.Types = append(sel.Types, p)
	}
	for _, r := range s.reposFlag.Values {
		p, err := replay.ParseRepo(r)
		if err != nil {
			return sel, fmt.Errorf("--repo %q: %w", r, err)
		}
		sel.Repos = append(sel.Repos, p)
	}
	return sel, nil
}

// parseSelection parses the flags of replay or tail and checks the broker
// and the selection they name.
func parseSelection(f *cli.Flags, args []string, getenv func(string) string, b *brokerClient, sel *selection) (replay.Selection, error) {
	if err := f.ParseArgs(args, getenv); err != nil {
		return replay.Selection{}, err
	}
	if err := b.check(); err != nil {
		return replay.Selection{}, err
	}
	return sel.check(time.Now(), b.kind)
}
