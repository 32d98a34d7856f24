package nats

import (
	"strings"

	"github.com/hubwire/hubwire/sinks"
)

// Any, as a field of an address pattern given to FilterSubjects, stands for
// every value of that subject token. Token escapes a real '*', so no
// repository or kind can be mistaken for it.
const Any = "*"

// maxFilterSubjects bounds the filter subjects of one consumer: past it, one
// broader filter and the caller's own check cost less than the server's
// matching of many.
const maxFilterSubjects = 64

// FilterSubjects maps address patterns (each field a value or Any) to the
// filter subjects of a JetStream consumer under prefix. No patterns, or a
// pattern of Any only, select the whole stream: nil.
//
// JetStream refuses filter subjects that overlap, so patterns contained in
// another are dropped; when two still overlap (acme.* and *.api), or when
// there are too many, the result is the one subject that covers them all,
// which selects more than the patterns: callers check each event anyway.
func FilterSubjects(prefix string, patterns []sinks.Address) []string {
	var toks [][]string
	for _, p := range patterns {
		t := []string{patternToken(p.Source), patternToken(p.Kind), patternToken(p.Namespace), patternToken(p.Name)}
		toks = appendUncovered(toks, t)
	}
	if len(toks) == 0 {
		return nil
	}
	if len(toks) > maxFilterSubjects || anyOverlap(toks) {
		toks = [][]string{cover(toks)}
	}
	var subjects []string
	for _, t := range toks {
		if t[0] == Any && t[1] == Any && t[2] == Any && t[3] == Any {
			return nil
		}
		subjects = append(subjects, prefix+"."+strings.Join(t, "."))
	}
	return subjects
}

func patternToken(s string) string {
	if s == Any {
		return Any
	}
	return Token(s)
}

// appendUncovered adds t unless a pattern in toks already covers it, and
// drops those t covers.
func appendUncovered(toks [][]string, t []string) [][]string {
	for _, have := range toks {
		if covers(have, t) {
			return toks
		}
	}
	var kept [][]string
	for _, have := range toks {
		if !covers(t, have) {
			kept = append(kept, have)
		}
	}
	return append(kept, t)
}

// covers reports whether every subject a matches, b matches too.
func covers(a, b []string) bool {
	for i := range a {
		if a[i] != Any && a[i] != b[i] {
			return false
		}
	}
	return true
}

// anyOverlap reports whether some subject matches two of the patterns.
func anyOverlap(toks [][]string) bool {
	for i := range toks {
		for j := i + 1; j < len(toks); j++ {
			overlap := true
			for k := range toks[i] {
				if toks[i][k] != Any && toks[j][k] != Any && toks[i][k] != toks[j][k] {
					overlap = false
					break
				}
			}
			if overlap {
				return true
			}
		}
	}
	return false
}

// cover is the narrowest pattern that covers all of toks: each token kept
// where they agree, Any where they differ.
func cover(toks [][]string) []string {
	out := append([]string(nil), toks[0]...)
	for _, t := range toks[1:] {
		for k := range out {
			if out[k] != t[k] {
				out[k] = Any
			}
		}
	}
	return out
}
