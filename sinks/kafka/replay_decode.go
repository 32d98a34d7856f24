package kafka

import (
	"bytes"
	"context"
	"strings"

	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/binding/format"
	"github.com/cloudevents/sdk-go/v2/binding/spec"
	"github.com/cloudevents/sdk-go/v2/event"
	kafkago "github.com/segmentio/kafka-go"
)

// ceHeaderPrefix starts the name of every attribute header in binary mode.
const ceHeaderPrefix = "ce_"

var kafkaSpecs = spec.WithPrefix(ceHeaderPrefix)

// ToEvent decodes a record written by Message, in either content mode, with
// the CloudEvents SDK's binding. It is what the SDK's own Kafka bindings do,
// over kafka-go's records, so that hubwire needs no second Kafka client.
func ToEvent(ctx context.Context, m kafkago.Message) (*event.Event, error) {
	return binding.ToEvent(ctx, newRecordMessage(m))
}

// recordMessage is a record as a binding.Message.
type recordMessage struct {
	value   []byte
	headers []kafkago.Header
	format  format.Format
	version spec.Version
}

var (
	_ binding.Message               = (*recordMessage)(nil)
	_ binding.MessageMetadataReader = (*recordMessage)(nil)
)

func newRecordMessage(m kafkago.Message) *recordMessage {
	r := &recordMessage{value: m.Value, headers: m.Headers}
	for _, h := range m.Headers {
		switch strings.ToLower(h.Key) {
		case contentTypeHeader:
			r.format = format.Lookup(string(h.Value))
		case kafkaSpecs.PrefixedSpecVersionName():
			r.version = kafkaSpecs.Version(string(h.Value))
		}
	}
	return r
}

func (r *recordMessage) ReadEncoding() binding.Encoding {
	switch {
	case r.format != nil:
		return binding.EncodingStructured
	case r.version != nil:
		return binding.EncodingBinary
	}
	return binding.EncodingUnknown
}

func (r *recordMessage) ReadStructured(ctx context.Context, w binding.StructuredWriter) error {
	if r.format == nil {
		return binding.ErrNotStructured
	}
	return w.SetStructuredEvent(ctx, r.format, bytes.NewReader(r.value))
}

func (r *recordMessage) ReadBinary(ctx context.Context, w binding.BinaryWriter) error {
	if r.version == nil {
		return binding.ErrNotBinary
	}
	for _, h := range r.headers {
		key := strings.ToLower(h.Key)
		var err error
		switch {
		case key == contentTypeHeader:
			err = w.SetAttribute(r.version.AttributeFromKind(spec.DataContentType), string(h.Value))
		case strings.HasPrefix(key, ceHeaderPrefix):
			if attr := r.version.Attribute(key); attr != nil {
				err = w.SetAttribute(attr, string(h.Value))
			} else {
				err = w.SetExtension(strings.TrimPrefix(key, ceHeaderPrefix), string(h.Value))
			}
		}
		if err != nil {
			return err
		}
	}
	if r.value != nil {
		return w.SetData(bytes.NewReader(r.value))
	}
	return nil
}

// GetAttribute implements binding.MessageMetadataReader.
func (r *recordMessage) GetAttribute(k spec.Kind) (spec.Attribute, any) {
	if r.version == nil {
		return nil, nil
	}
	attr := r.version.AttributeFromKind(k)
	if attr == nil {
		return nil, nil
	}
	name := attr.PrefixedName()
	if k == spec.DataContentType {
		name = contentTypeHeader
	}
	if v, ok := r.header(name); ok {
		return attr, v
	}
	return attr, nil
}

// GetExtension implements binding.MessageMetadataReader.
func (r *recordMessage) GetExtension(name string) any {
	if v, ok := r.header(ceHeaderPrefix + name); ok {
		return v
	}
	return nil
}

func (r *recordMessage) header(name string) (string, bool) {
	for _, h := range r.headers {
		if strings.EqualFold(h.Key, name) {
			return string(h.Value), true
		}
	}
	return "", false
}

func (r *recordMessage) Finish(error) error { return nil }
