package dtr

import "strings"

type imageRef struct {
	namespace, name, tag, digest string
}

// parseImageName splits DTR's imageName ("foo/bar:latest",
// "example.com/foo/bar:latest", "foo/bar@sha256:…"). DTR sends it with or
// without the registry host; a first component with a dot or a colon, or
// "localhost", is a host, as in Docker's own reference grammar.
func parseImageName(s string) imageRef {
	var ref imageRef
	if at := strings.Index(s, "@"); at >= 0 {
		s, ref.digest = s[:at], s[at+1:]
	}
	if colon := strings.LastIndex(s, ":"); colon > strings.LastIndex(s, "/") {
		s, ref.tag = s[:colon], s[colon+1:]
	}
	parts := strings.Split(s, "/")
	if len(parts) > 2 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		parts = parts[1:]
	}
	if len(parts) >= 2 {
		ref.namespace, ref.name = parts[0], strings.Join(parts[1:], "/")
	}
	return ref
}
