package receiver

import (
	"strconv"

	"github.com/hubwire/hubwire/adapter"
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
	// Ignored marks an event the source's filters kept from the broker:
	// it has an id and a type, no receipt.
	Ignored bool `json:"ignored,omitempty"`
}

// appendJSON appends a as json.NewEncoder writes it with HTML escaping
// off, newline included.
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
	if a.Ignored {
		return append(b, ",\"ignored\":true}\n"...)
	}
	b = append(b, `,"broker":`...)
	b = rawjson.AppendString(b, a.Broker)
	b = append(b, `,"stream":`...)
	b = rawjson.AppendString(b, a.Stream)
	if a.Partition != 0 {
		b = append(b, `,"partition":`...)
		b = strconv.AppendInt(b, int64(a.Partition), 10)
	}
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
	// Rejected names the elements of the delivery that could not be read;
	// the others are stored.
	Rejected []adapter.RejectedElement `json:"rejected,omitempty"`
}

// appendJSON appends b as json.NewEncoder writes it, each event as
// Accepted writes it (an ignored one without a receipt).
func (b Batch) appendJSON(out []byte) []byte {
	out = append(out, `{"events":[`...)
	for i, a := range b.Events {
		if i > 0 {
			out = append(out, ',')
		}
		out = a.appendJSON(out)
		out = out[:len(out)-1] // its newline
	}
	out = append(out, ']')
	if len(b.Rejected) > 0 {
		rejected, _ := rawjson.Marshal(b.Rejected)
		out = append(out, `,"rejected":`...)
		out = append(out, rejected...)
	}
	return append(out, "}\n"...)
}
