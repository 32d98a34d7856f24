package receiver

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
)

// traceParent continues the W3C trace of an incoming request, or starts
// one: the same trace id, a new span id for hubwire's part. The result goes
// into the CloudEvents distributed-tracing extension (traceparent,
// tracestate), so that consumers continue the trace.
func traceParent(h http.Header) (traceparent, tracestate string) {
	var span [8]byte
	rand.Read(span[:])
	version, trace, _, flags, ok := parseTraceParent(h.Get("traceparent"))
	if !ok {
		var id [16]byte
		rand.Read(id[:])
		return "00-" + hex.EncodeToString(id[:]) + "-" + hex.EncodeToString(span[:]) + "-01", ""
	}
	state := h.Get("tracestate")
	if len(state) > 512 {
		state = "" // the spec lets a carrier drop a tracestate it cannot keep
	}
	return version + "-" + trace + "-" + hex.EncodeToString(span[:]) + "-" + flags, state
}

// parseTraceParent reads version-traceid-parentid-flags, refusing the
// all-zero ids and the invalid version ff, as the W3C spec says.
func parseTraceParent(s string) (version, trace, parent, flags string, ok bool) {
	parts := strings.Split(s, "-")
	if len(parts) < 4 {
		return "", "", "", "", false
	}
	version, trace, parent, flags = parts[0], parts[1], parts[2], parts[3]
	if !isLowerHex(version, 2) || version == "ff" || !isLowerHex(trace, 32) || !isLowerHex(parent, 16) || !isLowerHex(flags, 2) ||
		trace == strings.Repeat("0", 32) || parent == strings.Repeat("0", 16) || (version == "00" && len(parts) != 4) {
		return "", "", "", "", false
	}
	return version, trace, parent, flags, true
}

func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
