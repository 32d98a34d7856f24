package nats

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cloudevents/sdk-go/v2/event"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hubwire/hubwire/sinks"
)

// Message encodes e for subject in mode. Either way the event id goes in
// Nats-Msg-Id, so that JetStream drops a second copy of the same event
// within the stream's duplicate window.
func Message(subject string, e *event.Event, mode sinks.Mode) (*natsgo.Msg, error) {
	msg := natsgo.NewMsg(subject)
	msg.Header.Set(jetstream.MsgIDHeader, e.ID())
	if mode == sinks.Structured {
		body, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("encoding event %s: %w", e.ID(), err)
		}
		msg.Header.Set("Content-Type", sinks.StructuredContentType)
		msg.Data = body
		return msg, nil
	}
	attrs, err := sinks.Attributes(e)
	if err != nil {
		return nil, err
	}
	for _, a := range attrs {
		msg.Header.Set("ce-"+a.Name, PercentEncode(a.Value))
	}
	msg.Data = e.Data()
	return msg, nil
}

// PercentEncode escapes a header value as the CloudEvents NATS binding
// asks: space, '"', '%' and every byte outside U+0021–U+007E become %XY.
func PercentEncode(s string) string {
	if !needsEncoding(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c >= 0x7F || c == '"' || c == '%' {
			b.WriteByte('%')
			b.WriteByte(upperhex[c>>4])
			b.WriteByte(upperhex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func needsEncoding(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= 0x20 || c >= 0x7F || c == '"' || c == '%' {
			return true
		}
	}
	return false
}

// PercentDecode undoes PercentEncode. A '%' not followed by two hex
// digits is kept as is, as a lenient reader should.
func PercentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
