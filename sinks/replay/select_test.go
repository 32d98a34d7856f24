package replay

import (
	"slices"
	"strings"
	"testing"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/sinks"
	natssink "github.com/hubwire/hubwire/sinks/nats"
)

// testTypes stand for what a caller knows of its registries' types.
var testTypes = Types{
	Names: []string{"com.example.image.pushed", "com.example.scan.completed", "com.example.scan.failed"},
	Kinds: map[string]sinks.Address{
		"com.example.image.pushed":   {Source: "example", Kind: "push"},
		"com.example.scan.completed": {Source: "example", Kind: "scan_ok"},
		"com.example.scan.failed":    {Source: "example", Kind: "scan_failed"},
	},
}

func TestParseTypeNamesWhatExists(t *testing.T) {
	const made = "com.example.image.pushed, com.example.scan.completed, com.example.scan.failed"
	for pattern, says := range map[string]string{
		"com.example.image.push": "hubwire makes no events of this type; it makes " + made,
		"org.other.*":            "no type hubwire makes starts with org.other.; it makes " + made,
		"com.*.scan.failed":      "* may only end a prefix, after a dot: com.docker.dtr.scan.*",
		".*":                     "* may only end a prefix",
	} {
		if _, err := ParseType(pattern, testTypes); err == nil || !strings.HasPrefix(err.Error(), says) {
			t.Errorf("%s: %v; want %q", pattern, err, says)
		}
	}
}

// TestTypesBecomeSubjectFilters checks that the caller's map is what turns
// a type selection into NATS subjects, alone and with repositories.
func TestTypesBecomeSubjectFilters(t *testing.T) {
	sel := func(types, repos []string) *Selection {
		var s Selection
		for _, p := range types {
			tp, err := ParseType(p, testTypes)
			if err != nil {
				t.Fatal(err)
			}
			s.Types = append(s.Types, tp)
		}
		for _, p := range repos {
			rp, err := ParseRepo(p)
			if err != nil {
				t.Fatal(err)
			}
			s.Repos = append(s.Repos, rp)
		}
		return &s
	}
	for _, tc := range []struct {
		types, repos []string
		want         []string
	}{
		{nil, nil, nil},
		{[]string{"com.example.image.pushed"}, nil, []string{"hubwire.events.example.push.*.*"}},
		{[]string{"com.example.scan.*"}, []string{"acme/api"}, []string{"hubwire.events.example.scan_ok.acme.api", "hubwire.events.example.scan_failed.acme.api"}},
		// A type twice (once by its prefix) is one filter.
		{[]string{"com.example.scan.*", "com.example.scan.failed"}, nil, []string{"hubwire.events.example.scan_ok.*.*", "hubwire.events.example.scan_failed.*.*"}},
		// A partial wildcard is left to matches.
		{nil, []string{"acme/api-*"}, []string{"hubwire.events.*.*.acme.*"}},
	} {
		got := natssink.FilterSubjects(natssink.DefaultSubjectPrefix, sel(tc.types, tc.repos).natsPatterns())
		if !slices.Equal(got, tc.want) {
			t.Errorf("--type %v --repo %v: %v, want %v", tc.types, tc.repos, got, tc.want)
		}
	}
}

func TestRepoGlob(t *testing.T) {
	for _, tc := range []struct {
		pattern, repo string
		want          bool
	}{
		{"acme/api", "acme/api", true},
		{"acme/*", "acme/api", true},
		{"acme/*", "acmex/api", false},
		{"*/api", "acme/api", true},
		{"acme/api-*", "acme/api-v2", true},
		{"acme/api-*", "acme/web", false},
		{"a*e/*i", "acme/api", true},
		{"acme/*", "", false},
		{"acme/*", "acme", false},
	} {
		p, err := ParseRepo(tc.pattern)
		if err != nil || p.matches(tc.repo) != tc.want {
			t.Errorf("%s ~ %q: %v %v", tc.pattern, tc.repo, !tc.want, err)
		}
	}
}

// TestSelectionMatches sets the repository as the adapters do, which
// also holds repositoryAttribute to adapter.ExtRepository.
func TestSelectionMatches(t *testing.T) {
	rec := func(typ, repo string) record {
		e := event.New()
		e.SetType(typ)
		if repo != "" {
			e.SetExtension(adapter.ExtRepository, repo)
		}
		return record{msg: decodedEvent{&e}}
	}
	scan, _ := ParseType("com.example.scan.*", testTypes)
	acme, _ := ParseRepo("acme/*")
	s := Selection{Types: []TypePattern{scan}, Repos: []RepoPattern{acme}}
	for _, tc := range []struct {
		rec  record
		want bool
	}{
		{rec("com.example.scan.failed", "acme/api"), true},
		{rec("com.example.image.pushed", "acme/api"), false},
		{rec("com.example.scan.failed", "other/api"), false},
		// An event of no repository matches no repository pattern.
		{rec("com.example.scan.failed", ""), false},
	} {
		if got := s.matches(tc.rec); got != tc.want {
			t.Errorf("%s of %q: %v", tc.rec.msg.Attribute("type"), tc.rec.msg.Attribute(repositoryAttribute), got)
		}
	}
	if !(&Selection{}).matches(rec("anything", "")) {
		t.Error("no selection leaves an event out")
	}
}
