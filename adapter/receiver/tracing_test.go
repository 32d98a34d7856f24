package receiver

import (
	"net/http"
	"strings"
	"testing"
)

func TestTraceParent(t *testing.T) {
	in := "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	tp, ts := traceParent(http.Header{"Traceparent": {in}, "Tracestate": {"congo=t61rcWkgMzE"}})
	_, trace, span, flags, ok := parseTraceParent(tp)
	if !ok || trace != "4bf92f3577b34da6a3ce929d0e0e4736" || span == "00f067aa0ba902b7" || flags != "01" || ts != "congo=t61rcWkgMzE" {
		t.Errorf("continued %q into %q %q", in, tp, ts)
	}
	for _, bad := range []string{"", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"} {
		tp, ts := traceParent(http.Header{"Traceparent": {bad}, "Tracestate": {"x=y"}})
		_, trace, _, _, ok := parseTraceParent(tp)
		if !ok || ts != "" || strings.Contains(bad, trace) {
			t.Errorf("%q: started %q %q, want a new trace", bad, tp, ts)
		}
	}
}
