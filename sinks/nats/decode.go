package nats

import (
	"context"
	"strings"

	cejs "github.com/cloudevents/sdk-go/protocol/nats_jetstream/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	natsgo "github.com/nats-io/nats.go"
)

// ToEvent decodes a message in either content mode with the CloudEvents
// SDK, after undoing the binding's percent-encoding of ce- headers (which
// the SDK's JetStream binding does not do itself).
func ToEvent(ctx context.Context, msg *natsgo.Msg) (*event.Event, error) {
	decoded := *msg
	decoded.Header = make(natsgo.Header, len(msg.Header))
	for k, vs := range msg.Header {
		if !strings.HasPrefix(k, "ce-") {
			decoded.Header[k] = vs
			continue
		}
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = PercentDecode(v)
		}
		decoded.Header[k] = out
	}
	return binding.ToEvent(ctx, cejs.NewMessage(&decoded))
}
