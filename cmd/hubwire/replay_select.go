package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/sinks"
	natssink "github.com/hubwire/hubwire/sinks/nats"
)

// selection is which events replay and tail read: where to start (and
// stop), and which types and repositories.
type selection struct {
	sinceText, untilText string
	fromSeq              uint64
	offsetsFlag          listFlag
	typesFlag, reposFlag listFlag

	// What check made of the flags.
	since, until time.Time
	offsets      map[int]int64 // Kafka partition → first offset
	types        []typePattern
	repos        []repoPattern
}

// typePattern is one --type: a type, or with prefix a type prefix
// ("com.docker.dtr.scan." from com.docker.dtr.scan.*).
type typePattern struct {
	value  string
	prefix bool
}

// repoPattern is one --repo, split at its first '/'; '*' in either part
// matches any characters.
type repoPattern struct {
	namespace, name string
}

// register adds the flags; replay also gets --until, --from-seq and
// --offset, which make no sense for a tail.
func (s *selection) register(f *flags, replay bool) {
	what := "start with the events stored"
	if !replay {
		what = "first print the events stored"
	}
	f.StringVar(&s.sinceText, "since", "", what+" since this `time`: a duration back from now\n(30m, 2h, 7d) or a time (2026-11-01T00:00:00Z, 2026-11-01); it is when\nhubwire stored the event, not the event's own time attribute")
	f.Var(&s.typesFlag, "type", "only events of this CloudEvent `type` (repeatable): com.docker.dtr.tag.push,\nor a prefix ending in .* such as com.docker.dtr.scan.*")
	f.Var(&s.reposFlag, "repo", "only events of this `repository` (repeatable): namespace/name, where *\nmatches any characters (acme/*, */api, acme/api-*)")
	if !replay {
		return
	}
	f.StringVar(&s.untilText, "until", "", "stop before the events stored after this `time` (same forms as --since)")
	f.Uint64Var(&s.fromSeq, "from-seq", 0, "NATS: start at this stream `sequence` (the seq of a 202 answer)")
	f.Var(&s.offsetsFlag, "offset", "Kafka: read only these partitions, each from its offset: `partition=offset`[,…]\n(0=120,3=55; repeatable)")
}

// check reads the flags' values for a broker of kind ("nats" or "kafka").
func (s *selection) check(now time.Time, kind string) error {
	var err error
	if s.sinceText != "" {
		if s.since, err = parseWhen(s.sinceText, now); err != nil {
			return fmt.Errorf("--since %q: %w", s.sinceText, err)
		}
	}
	if s.untilText != "" {
		if s.until, err = parseWhen(s.untilText, now); err != nil {
			return fmt.Errorf("--until %q: %w", s.untilText, err)
		}
		if !s.since.IsZero() && !s.until.After(s.since) {
			return fmt.Errorf("--until %s is not after --since %s: nothing lies between", s.until.Format(time.RFC3339), s.since.Format(time.RFC3339))
		}
	}
	if s.fromSeq > 0 {
		if kind == "kafka" {
			return errors.New("--from-seq is for NATS streams; Kafka has offsets per partition: use --offset partition=offset[,…]")
		}
		if s.sinceText != "" {
			return errors.New("--from-seq and --since both say where to start: give one")
		}
	}
	if len(s.offsetsFlag.values) > 0 {
		if kind != "kafka" {
			return errors.New("--offset is for Kafka topics; a NATS stream has one sequence: use --from-seq")
		}
		if s.sinceText != "" {
			return errors.New("--offset and --since both say where to start: give one")
		}
		if s.offsets, err = parseOffsets(s.offsetsFlag.values); err != nil {
			return err
		}
	}
	for _, t := range s.typesFlag.values {
		p, err := parseTypePattern(t)
		if err != nil {
			return fmt.Errorf("--type %q: %w", t, err)
		}
		s.types = append(s.types, p)
	}
	for _, r := range s.reposFlag.values {
		p, err := parseRepoPattern(r)
		if err != nil {
			return fmt.Errorf("--repo %q: %w", r, err)
		}
		s.repos = append(s.repos, p)
	}
	return nil
}

// parseWhen reads a duration back from now or a point in time.
func parseWhen(text string, now time.Time) (time.Time, error) {
	const want = "want a duration back from now (30m, 2h, 7d) or a time (2026-11-01T00:00:00Z or 2026-11-01)"
	if t, err := time.Parse(time.RFC3339Nano, text); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, text); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(text)
	if days, ok := strings.CutSuffix(text, "d"); ok && err != nil {
		n, nerr := strconv.Atoi(days)
		if nerr != nil || n > math.MaxInt32/24 {
			return time.Time{}, errors.New(want)
		}
		d, err = time.Duration(n)*24*time.Hour, nil
	}
	if err != nil {
		return time.Time{}, errors.New(want)
	}
	if d < 0 {
		return time.Time{}, errors.New("a duration back from now is positive (2h, not -2h)")
	}
	return now.Add(-d), nil
}

// parseOffsets reads --offset partition=offset values.
func parseOffsets(values []string) (map[int]int64, error) {
	offsets := map[int]int64{}
	for _, v := range values {
		ps, os, ok := strings.Cut(v, "=")
		p, perr := strconv.Atoi(strings.TrimSpace(ps))
		o, oerr := strconv.ParseInt(strings.TrimSpace(os), 10, 64)
		if !ok || perr != nil || oerr != nil || p < 0 || o < 0 {
			return nil, fmt.Errorf("--offset %q: want partition=offset, both numbers from 0 (3=55)", v)
		}
		if _, dup := offsets[p]; dup {
			return nil, fmt.Errorf("--offset names partition %d twice", p)
		}
		offsets[p] = o
	}
	return offsets, nil
}

func parseTypePattern(t string) (typePattern, error) {
	known := eventKinds()
	if prefix, ok := strings.CutSuffix(t, ".*"); ok && prefix != "" && !strings.Contains(prefix, "*") {
		p := typePattern{value: prefix + ".", prefix: true}
		for k := range known {
			if p.matches(k) {
				return p, nil
			}
		}
		return p, fmt.Errorf("no type hubwire makes starts with %s; it makes %s", p.value, strings.Join(knownTypes(), ", "))
	}
	if strings.Contains(t, "*") {
		return typePattern{}, errors.New("* may only end a prefix, after a dot: com.docker.dtr.scan.*")
	}
	if _, ok := known[t]; !ok {
		return typePattern{}, fmt.Errorf("hubwire makes no events of this type; it makes %s", strings.Join(knownTypes(), ", "))
	}
	return typePattern{value: t}, nil
}

func (p typePattern) matches(t string) bool {
	if p.prefix {
		return strings.HasPrefix(t, p.value)
	}
	return t == p.value
}

func parseRepoPattern(r string) (repoPattern, error) {
	ns, name, ok := strings.Cut(r, "/")
	if !ok || ns == "" || name == "" {
		return repoPattern{}, errors.New("want namespace/name, where * matches any characters (acme/api, acme/*, */api)")
	}
	return repoPattern{ns, name}, nil
}

func (p repoPattern) matches(repo string) bool {
	ns, name, ok := strings.Cut(repo, "/")
	return ok && glob(p.namespace, ns) && glob(p.name, name)
}

// subjectTokens is the pattern as NATS subject tokens: the part itself, or
// Any where it has a wildcard (a whole-token '*' selects exactly; a
// partial one, such as api-*, is left to matches).
func (p repoPattern) subjectTokens() (string, string) {
	tok := func(part string) string {
		if strings.Contains(part, "*") {
			return natssink.Any
		}
		return part
	}
	return tok(p.namespace), tok(p.name)
}

// glob matches s against pattern, where '*' matches any run of characters.
func glob(pattern, s string) bool {
	star, mark := -1, 0
	p, i := 0, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			mark++
			p, i = star+1, mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// matches reports whether rec is of a selected type and repository. An
// event of no repository (a scanner update) matches no --repo.
func (s *selection) matches(rec record) bool {
	if len(s.types) > 0 {
		ok := false
		typ := rec.msg.Attribute("type")
		for _, p := range s.types {
			if ok = p.matches(typ); ok {
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(s.repos) > 0 {
		repo := rec.msg.Attribute(adapter.ExtRepository)
		for _, p := range s.repos {
			if p.matches(repo) {
				return true
			}
		}
		return false
	}
	return true
}

// natsPatterns are the address patterns of the selected types and
// repositories, for natssink.FilterSubjects.
func (s *selection) natsPatterns() []sinks.Address {
	kinds := []sinks.Address{{Source: natssink.Any, Kind: natssink.Any}}
	if len(s.types) > 0 {
		kinds = nil
		for _, t := range knownTypes() {
			for _, p := range s.types {
				if p.matches(t) {
					kinds = append(kinds, eventKinds()[t])
					break
				}
			}
		}
	}
	repos := []sinks.Address{{Namespace: natssink.Any, Name: natssink.Any}}
	if len(s.repos) > 0 {
		repos = nil
		for _, p := range s.repos {
			ns, name := p.subjectTokens()
			repos = append(repos, sinks.Address{Namespace: ns, Name: name})
		}
	}
	var out []sinks.Address
	for _, k := range kinds {
		for _, r := range repos {
			out = append(out, sinks.Address{Source: k.Source, Kind: k.Kind, Namespace: r.Namespace, Name: r.Name})
		}
	}
	return out
}

// parseSelection parses the flags of replay or tail and checks the broker
// and the selection they name.
func parseSelection(f *flags, args []string, getenv func(string) string, b *brokerClient, sel *selection) error {
	if err := f.parse(args, getenv); err != nil {
		return err
	}
	if err := b.check(); err != nil {
		return err
	}
	return sel.check(time.Now(), b.kind)
}
