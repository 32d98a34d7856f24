package replay

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
)

func TestDestinationHidesTheURLPath(t *testing.T) {
	for d, want := range map[Destination]string{
		{}: "standard output",
		{Kind: ToHTTP, Target: "https://rcv.example:8443/hooks/secret-token"}: "https://rcv.example:8443",
		{Kind: ToNATS, Target: "replayed.tags"}:                               "nats:replayed.tags",
		{Kind: ToKafka, Target: "hubwire.replayed"}:                           "kafka:hubwire.replayed",
	} {
		if got := d.String(); got != want {
			t.Errorf("%+v: %q, want %q", d, got, want)
		}
	}
}

func TestSummary(t *testing.T) {
	for s, want := range map[Summary]string{
		{Written: 1, Took: time.Second}: "hubwire: replayed 1 event in 1s (1 events/s) to standard output",
		{Written: 25000, Unmatched: 3, Undecodable: 2, Took: 2 * time.Second, To: Destination{Kind: ToNATS, Target: "x"}}: "hubwire: replayed 25000 events in 2s (12.5k events/s) to nats:x; 3 more read did not match --type/--repo; skipped 2 messages that were not CloudEvents",
	} {
		if got := s.String(); got != want {
			t.Errorf("%q\nwant %q", got, want)
		}
	}
}

func TestProgressBar(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out)
	p.begin(10) // not a terminal: no bar of its own
	p.read.Store(5)
	p.draw()
	p.logf("retrying %s", "x")
	p.stop()
	want := "\r\033[K[===============               ] 5/10 events, "
	if !strings.HasPrefix(out.String(), want) || !strings.Contains(out.String(), "/s\r\033[Khubwire: retrying x\n") {
		t.Errorf("%q", out.String())
	}
	if isTerminal(&out) {
		t.Error("a buffer is not a terminal")
	}
}

// TestHTTPOutputKeepsTheTokenOutOfItsLog: a POST that fails on the network
// is logged with the receiver reduced to its host, although Go's HTTP
// client quotes the whole URL, token and all, in its error.
func TestHTTPOutputKeepsTheTokenOutOfItsLog(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/hooks/dtr/secret-token-0123456789"
	ln.Close()
	var logged []string
	h := newHTTPOutput(closed, time.Second, &eventReader{}, func(format string, args ...any) {
		logged = append(logged, fmt.Sprintf(format, args...))
	})
	e := event.New()
	e.SetID("id-1")
	e.SetSource("urn:test")
	e.SetType("com.docker.dtr.tag.push")
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	h.write(ctx, record{msg: decodedEvent{&e}, seq: 1})
	if len(logged) == 0 || !strings.Contains(logged[0], "retrying") {
		t.Fatalf("no retry logged: %q", logged)
	}
	for _, line := range logged {
		if strings.Contains(line, "secret-token") {
			t.Errorf("the token is in the log: %s", line)
		}
	}
}
