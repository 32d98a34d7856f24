package kafka

import (
	"fmt"

	"github.com/cloudevents/sdk-go/v2/event"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/hubwire/hubwire/internal/rawjson"
	"github.com/hubwire/hubwire/sinks"
)

// partitionKeyExtension is the CloudEvents partitioning extension.
const partitionKeyExtension = "partitionkey"

// contentTypeHeader carries datacontenttype in binary mode and marks a
// structured-mode record; the binding names it so.
const contentTypeHeader = "content-type"

// Message encodes e in the CloudEvents Kafka binding. Its key is the
// partitionkey extension (the repository), so that one repository's events
// land on one partition, in order; ce_partitionkey is still sent.
func Message(e *event.Event, mode sinks.Mode) (kafkago.Message, error) {
	var r kafkago.Message
	if key, ok := e.Extensions()[partitionKeyExtension].(string); ok && key != "" {
		r.Key = []byte(key)
	}
	if mode == sinks.Structured {
		body, err := rawjson.Marshal(e)
		if err != nil {
			return r, fmt.Errorf("encoding event %s: %w", e.ID(), err)
		}
		r.Headers = []kafkago.Header{{Key: contentTypeHeader, Value: []byte(sinks.StructuredContentType)}}
		r.Value = body
		return r, nil
	}
	attrs, err := sinks.Attributes(e)
	if err != nil {
		return r, err
	}
	r.Headers = make([]kafkago.Header, 0, len(attrs))
	for _, a := range attrs {
		name := "ce_" + a.Name
		if a.Name == "datacontenttype" {
			name = contentTypeHeader
		}
		r.Headers = append(r.Headers, kafkago.Header{Key: name, Value: []byte(a.Value)})
	}
	r.Value = e.Data()
	return r, nil
}
