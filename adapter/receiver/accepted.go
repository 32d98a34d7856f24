package receiver

import (
	"strconv"

	"github.com/hubwire/hubwire/internal/rawjson"
	"github.com/hubwire/hubwire/sinks"
)

// Accepted is the body of a 202 answer.
type Accepted struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Source  string `json:"source"`
	Subject string `json:"subject,omitempty"`
	sinks.Receipt
}

// appendJSON appends a as json.NewEncoder writes it, newline included.
func (a Accepted) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = rawjson.AppendString(b, a.ID)
	b = append(b, `,"type":`...)
	b = rawjson.AppendString(b, a.Type)
	b = append(b, `,"source":`...)
	b = rawjson.AppendString(b, a.Source)
	if a.Subject != "" {
		b = append(b, `,"subject":`...)
		b = rawjson.AppendString(b, a.Subject)
	}
	b = append(b, `,"broker":`...)
	b = rawjson.AppendString(b, a.Broker)
	b = append(b, `,"stream":`...)
	b = rawjson.AppendString(b, a.Stream)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, a.Seq, 10)
	b = append(b, `,"duplicate":`...)
	b = strconv.AppendBool(b, a.Duplicate)
	if a.Spooled {
		b = append(b, `,"spooled":true`...)
	}
	return append(b, "}\n"...)
}

// Batch is the body of the answer to a delivery that carried several
// events (202), or none to publish (200).
type Batch struct {
	Events []Accepted `json:"events"`
}
