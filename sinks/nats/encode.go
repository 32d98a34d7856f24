package nats

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/cloudevents/sdk-go/v2/event"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hubwire/hubwire/internal/rawjson"
	"github.com/hubwire/hubwire/sinks"
)

// Message encodes e for subject in mode. Either way the event id goes in
// Nats-Msg-Id, so that JetStream drops a second copy of the same event
// within the stream's duplicate window.
func Message(subject string, e *event.Event, mode sinks.Mode) (*natsgo.Msg, error) {
	if mode == sinks.Binary {
		return binaryMessage(subject, e)
	}
	body, err := rawjson.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encoding event %s: %w", e.ID(), err)
	}
	msg := natsgo.NewMsg(subject)
	msg.Header.Set(jetstream.MsgIDHeader, e.ID())
	msg.Header.Set("Content-Type", sinks.StructuredContentType)
	msg.Data = body
	return msg, nil
}

// binaryMessage is Message in binary mode, every attribute a header.
func binaryMessage(subject string, e *event.Event) (*natsgo.Msg, error) {
	o := &outgoing{msg: natsgo.Msg{Header: make(natsgo.Header, 16)}}
	if err := o.fill(subject, e); err != nil {
		return nil, err
	}
	return &o.msg, nil
}

// outgoing is a binary-mode message and the storage of its header values.
// It is on every delivery's path: Publish takes one from outgoingPool and
// puts it back once JetStream answered, when nats.go has written out what
// it sends and holds no reference to the message.
type outgoing struct {
	msg    natsgo.Msg
	values []string
}

var outgoingPool = sync.Pool{New: func() any {
	return &outgoing{msg: natsgo.Msg{Header: make(natsgo.Header, 16)}, values: make([]string, 0, 16)}
}}

// fill makes o the message of e for subject.
func (o *outgoing) fill(subject string, e *event.Event) error {
	var stack [16]sinks.Attribute
	attrs, err := sinks.AppendAttributes(stack[:0], e)
	if err != nil {
		return err
	}
	h := o.msg.Header
	clear(h)
	o.values = slices.Grow(o.values[:0], len(attrs)+1)[:len(attrs)+1]
	o.values[0] = e.ID()
	h[jetstream.MsgIDHeader] = o.values[0:1:1]
	for i, a := range attrs {
		o.values[i+1] = PercentEncode(a.Value)
		h[headerName(a.Name)] = o.values[i+1 : i+2 : i+2]
	}
	o.msg.Subject, o.msg.Data = subject, e.Data()
	return nil
}

// headerNames are the headers of the attributes every event has.
var headerNames = map[string]string{}

func init() {
	for _, name := range []string{"specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema",
		"partitionkey", "repository", "tag", "digest", "traceparent", "tracestate"} {
		headerNames[name] = "ce-" + name
	}
}

// headerName is the binary-mode header of attribute name.
func headerName(name string) string {
	if h, ok := headerNames[name]; ok {
		return h
	}
	return "ce-" + name
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
