package nats

import (
	"github.com/hubwire/hubwire/adapter/adaptertest"
	"testing"

	"github.com/hubwire/hubwire/adapter/dtr"
	"github.com/hubwire/hubwire/sinks"
)

func TestPercentEncode(t *testing.T) {
	tests := map[string]string{
		"plain":                  "plain",
		"https://hub.docker.com": "https://hub.docker.com",
		"a b":                    "a%20b",
		`"q"`:                    "%22q%22",
		"100%":                   "100%25",
		"é":                      "%C3%A9",
		"tab\there":              "tab%09here",
		"\x7f":                   "%7F",
	}
	for in, want := range tests {
		if got := PercentEncode(in); got != want {
			t.Errorf("PercentEncode(%q) = %q, want %q", in, got, want)
		}
		if back := PercentDecode(want); back != in {
			t.Errorf("PercentDecode(%q) = %q, want %q", want, back, in)
		}
	}
	if got := PercentDecode("50%-off %zz %4"); got != "50%-off %zz %4" {
		t.Errorf("lenient decode changed %q", got)
	}
}

func FuzzPercentRoundTrip(f *testing.F) {
	f.Add("a b%\"é\x00")
	f.Fuzz(func(t *testing.T, s string) {
		enc := PercentEncode(s)
		for i := 0; i < len(enc); i++ {
			if c := enc[i]; c <= 0x20 || c >= 0x7F || c == '"' {
				t.Fatalf("PercentEncode(%q) = %q keeps byte %q", s, enc, c)
			}
		}
		if back := PercentDecode(enc); back != s {
			t.Fatalf("round trip of %q gave %q", s, back)
		}
	})
}

func TestSubject(t *testing.T) {
	tests := []struct {
		addr sinks.Address
		want string
	}{
		{sinks.Address{Source: "dockerhub", Kind: "push", Namespace: "library", Name: "nginx"}, "hubwire.events.dockerhub.push.library.nginx"},
		{sinks.Address{Source: "dtr", Kind: "scanner_update_completed"}, "hubwire.events.dtr.scanner_update_completed._._"},
		{sinks.Address{Source: "dtr", Kind: "tag_push", Namespace: "my.org", Name: "group/app"}, "hubwire.events.dtr.tag_push.my%2Eorg.group%2Fapp"},
		{sinks.Address{Source: "dtr", Kind: "tag_push", Namespace: "*", Name: ">"}, "hubwire.events.dtr.tag_push.%2A.%3E"},
	}
	for _, tt := range tests {
		if got := Subject(DefaultSubjectPrefix, tt.addr); got != tt.want {
			t.Errorf("Subject(%+v) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// BenchmarkMessage encodes a DTR TAG_PULL, the bulk of a busy registry's
// deliveries, as the sink publishes it.
func BenchmarkMessage(b *testing.B) {
	body, err := dtr.Samples.ReadFile("samples/tag-pull.json")
	if err != nil {
		b.Fatal(err)
	}
	d, err := adaptertest.DecodeOne(dtr.New("http://127.0.0.1:8080/schemas/"), body)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Message("hubwire.events.dtr.tag_pull.acme.app", &d.Event, sinks.Binary); err != nil {
			b.Fatal(err)
		}
	}
}
