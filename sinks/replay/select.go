package replay

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hubwire/hubwire/sinks"
	natssink "github.com/hubwire/hubwire/sinks/nats"
)

// Selection is which events Run and Tail read: where to start (and stop),
// and which types and repositories.
type Selection struct {
	// Since, when set, starts with the events stored at or after it
	// (when the broker stored them, not the events' own time).
	Since time.Time
	// Until, when set, stops before the first event stored after it.
	Until time.Time
	// FromSeq, when not 0, is the NATS stream sequence to start at.
	FromSeq uint64
	// Offsets, when set, are the Kafka partitions to read, each from its
	// offset.
	Offsets map[int]int64
	// Types and Repos, when set, keep only the events of one of them.
	Types []TypePattern
	Repos []RepoPattern
}

// Types is what the caller knows of the events' CloudEvent types, which
// this package cannot know: sinks know no registry.
type Types struct {
	// Names lists every type, in the order messages name them.
	Names []string
	// Kinds maps each type to the source and kind tokens of its events'
	// addresses (the namespace and name are each event's repository).
	Kinds map[string]sinks.Address
}

// TypePattern is a selected type, or with prefix a type prefix
// ("com.docker.dtr.scan." from com.docker.dtr.scan.*).
type TypePattern struct {
	value  string
	prefix bool
	// kinds are the addresses of the types it matches, for NATS subject
	// filters.
	kinds []sinks.Address
}

// ParseType reads a type, or a prefix ending in .*, and checks that some
// type of types matches it.
func ParseType(t string, types Types) (TypePattern, error) {
	var p TypePattern
	if prefix, ok := strings.CutSuffix(t, ".*"); ok && prefix != "" && !strings.Contains(prefix, "*") {
		p = TypePattern{value: prefix + ".", prefix: true}
	} else if strings.Contains(t, "*") {
		return TypePattern{}, errors.New("* may only end a prefix, after a dot: com.docker.dtr.scan.*")
	} else {
		p = TypePattern{value: t}
	}
	for _, name := range types.Names {
		if p.matches(name) {
			p.kinds = append(p.kinds, types.Kinds[name])
		}
	}
	switch {
	case len(p.kinds) > 0:
		return p, nil
	case p.prefix:
		return p, fmt.Errorf("no type hubwire makes starts with %s; it makes %s", p.value, strings.Join(types.Names, ", "))
	}
	return TypePattern{}, fmt.Errorf("hubwire makes no events of this type; it makes %s", strings.Join(types.Names, ", "))
}

func (p TypePattern) matches(t string) bool {
	if p.prefix {
		return strings.HasPrefix(t, p.value)
	}
	return t == p.value
}

// RepoPattern is a selected repository, split at its first '/'; '*' in
// either part matches any characters.
type RepoPattern struct {
	namespace, name string
}

// ParseRepo reads a namespace/name pattern.
func ParseRepo(r string) (RepoPattern, error) {
	ns, name, ok := strings.Cut(r, "/")
	if !ok || ns == "" || name == "" {
		return RepoPattern{}, errors.New("want namespace/name, where * matches any characters (acme/api, acme/*, */api)")
	}
	return RepoPattern{ns, name}, nil
}

func (p RepoPattern) matches(repo string) bool {
	ns, name, ok := strings.Cut(repo, "/")
	return ok && glob(p.namespace, ns) && glob(p.name, name)
}

// subjectTokens is the pattern as NATS subject tokens: the part itself, or
// Any where it has a wildcard (a whole-token '*' selects exactly; a
// partial one, such as api-*, is left to matches).
func (p RepoPattern) subjectTokens() (string, string) {
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

// repositoryAttribute is the extension naming an event's repository
// (adapter.ExtRepository, which a sink cannot import: adapter imports
// sinks).
const repositoryAttribute = "repository"

// matches reports whether rec is of a selected type and repository. An
// event of no repository (a scanner update) matches no repository pattern.
func (s *Selection) matches(rec record) bool {
	if len(s.Types) > 0 {
		ok := false
		typ := rec.msg.Attribute("type")
		for _, p := range s.Types {
			if ok = p.matches(typ); ok {
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(s.Repos) > 0 {
		repo := rec.msg.Attribute(repositoryAttribute)
		for _, p := range s.Repos {
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
func (s *Selection) natsPatterns() []sinks.Address {
	kinds := []sinks.Address{{Source: natssink.Any, Kind: natssink.Any}}
	if len(s.Types) > 0 {
		kinds = nil
		for _, p := range s.Types {
			kinds = append(kinds, p.kinds...)
		}
	}
	repos := []sinks.Address{{Namespace: natssink.Any, Name: natssink.Any}}
	if len(s.Repos) > 0 {
		repos = nil
		for _, p := range s.Repos {
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
