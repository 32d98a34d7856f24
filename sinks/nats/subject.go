package nats

import (
	"strings"

	"github.com/hubwire/hubwire/sinks"
)

// DefaultSubjectPrefix is where events go: <prefix>.<source>.<kind>.<namespace>.<name>.
const DefaultSubjectPrefix = "hubwire.events"

// Subject maps an event's address to its NATS subject. Every subject has
// the same number of tokens, so that wildcards select by source, kind,
// namespace and repository: hubwire.events.dtr.scan_completed.foo.> .
func Subject(prefix string, a sinks.Address) string {
	return prefix + "." + Token(a.Source) + "." + Token(a.Kind) + "." + Token(a.Namespace) + "." + Token(a.Name)
}

// Token escapes s for use as one subject token. Letters, digits, '_' and
// '-' stay; every other byte (the '.' and '/' that repository names may
// hold, the wildcards '*' and '>', spaces) becomes %XX. The empty string,
// for events that belong to no repository, becomes "_", which no
// repository name can be.
func Token(s string) string {
	if s == "" {
		return "_"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperhex[c>>4])
		b.WriteByte(upperhex[c&15])
	}
	return b.String()
}

const upperhex = "0123456789ABCDEF"
