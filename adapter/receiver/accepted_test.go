package receiver

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/hubwire/hubwire/sinks"
)

// The 202 body is written by hand; it must stay what encoding/json writes
// with HTML escaping off, as every answer is (senders and tests parse it, and an escaping slip would be invalid JSON).
func TestAcceptedAsEncoded(t *testing.T) {
	for _, a := range []Accepted{
		{},
		{ID: "0123abcd", Type: "com.docker.dtr.tag.pull", Source: "urn:hubwire:dtr:team1/service", Subject: "team1/service:latest",
			Receipt: sinks.Receipt{Broker: "nats", Stream: "HUBWIRE_EVENTS", Seq: 18446744073709551615, Duplicate: true}},
		{ID: "x", Type: "t", Source: `https://hub.docker.com/r/a%3Cb/c"d\e`, Subject: "<&>\u2028\t\x01é\xff",
			Receipt: sinks.Receipt{Broker: "kafka", Stream: "hubwire.events", Partition: 3, Seq: 7, Spooled: true}},
	} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.Encode(a)
		if got := a.appendJSON(nil); string(got) != want.String() {
			t.Errorf("appendJSON(%+v)\n got %s\nwant %s", a, got, want.Bytes())
		}
	}
}
