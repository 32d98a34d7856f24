// Package excerpt shortens the values hubwire quotes back in its answers
// and logs: a bad value sent by a registry or a consumer is named, but
// only its start, so that a 900 KB field gives neither a 900 KB answer
// nor a 900 KB log line.
package excerpt

import (
	"strconv"
	"unicode/utf8"
)

// Max is how many bytes of a value are quoted.
const Max = 64

// Quote is s quoted as %q quotes it, cut to its first Max bytes with an
// ellipsis and the full length when longer: "abc…" (900000 bytes).
func Quote(s string) string {
	if len(s) <= Max {
		return strconv.Quote(s)
	}
	return strconv.Quote(head(s, Max)+"…") + " (" + strconv.Itoa(len(s)) + " bytes)"
}

// Text is s cut as Quote cuts it, unquoted: for text that is quoted
// already (a JSON value as sent) or is not a value at all (a message).
func Text(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return head(s, max) + "… (" + strconv.Itoa(len(s)) + " bytes)"
}

// head is s's first n bytes or fewer, cut where a character starts.
func head(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
