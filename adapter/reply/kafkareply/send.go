package kafkareply

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/hubwire/hubwire/adapter/reply"
)

// SendAck puts a on the acks topic, keyed by the event id, and returns
// once the brokers stored it. Kafka has no request-reply: hubwire's
// verdict is in its log and in GET /api/events/<id>.
func SendAck(ctx context.Context, brokers []string, transport *kafkago.Transport, topic string, a reply.Ack) error {
	w := &kafkago.Writer{
		Addr: kafkago.TCP(brokers...), Topic: topic,
		// The partition of the event's id: its record's owner applies it.
		Balancer: &kafkago.Murmur2Balancer{Consistent: true}, RequiredAcks: kafkago.RequireAll,
		BatchTimeout: time.Millisecond, AllowAutoTopicCreation: false,
	}
	if transport != nil { // a nil *Transport in the interface would be used
		w.Transport = transport
	}
	defer w.Close()
	body, err := json.Marshal(a)
	if err != nil {
		return err
	}
	if err := w.WriteMessages(ctx, kafkago.Message{Key: []byte(a.EventID), Value: body}); err != nil {
		return fmt.Errorf("sending the ack to Kafka topic %s: %w", topic, err)
	}
	return nil
}
