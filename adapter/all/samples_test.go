package all_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/hubwire/hubwire/adapter/all"
)

// TestSamplesCallNoRealHost: a sample's callback URL names a reserved
// host (RFC 2606's .invalid), so that trying hubwire out with the samples
// (hubwire send, then hubwire ack) never posts to a real registry, nor to
// someone else's repository there.
func TestSamplesCallNoRealHost(t *testing.T) {
	found := 0
	for _, reg := range all.Registries {
		for _, name := range reg.SampleNames() {
			d, err := reg.SampleDelivery(name)
			if err != nil {
				t.Fatal(err)
			}
			var body any
			if json.Unmarshal(d.Body, &body) != nil {
				continue // a form: none holds a callback
			}
			walkCallbacks(body, func(key, raw string) {
				found++
				u, err := url.Parse(raw)
				if err != nil || !strings.HasSuffix(u.Hostname(), ".invalid") && u.Hostname() != "example.invalid" {
					t.Errorf("%s sample %s: %s %q names a real host; use https://example.invalid/…", reg.Name, name, key, raw)
				}
			})
		}
	}
	if found == 0 {
		t.Error("no sample has a callback URL: the test looks for the wrong key")
	}
}

// walkCallbacks calls fn with every string value of a key that names a
// callback, anywhere in v.
func walkCallbacks(v any, fn func(key, value string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && strings.Contains(strings.ToLower(strings.ReplaceAll(k, "_", "")), "callback") {
				fn(k, s)
			}
			walkCallbacks(x, fn)
		}
	case []any:
		for _, x := range v {
			walkCallbacks(x, fn)
		}
	}
}
