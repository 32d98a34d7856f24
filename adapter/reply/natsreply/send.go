package natsreply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	natsgo "github.com/nats-io/nats.go"

	"github.com/hubwire/hubwire/adapter/reply"
)

// ErrNoSubscriber is an ack that nothing took: no hubwire serves the NATS
// server it was sent to. ErrUnexpectedAnswer is an answer that is not
// hubwire's.
var (
	ErrNoSubscriber     = errors.New("nothing takes acks here")
	ErrUnexpectedAnswer = errors.New("unexpected answer")
)

// SendAck sends a as a NATS request on hubwire.acks.<event-id> and returns
// hubwire's answer: whether it took the ack, or why not. Any NATS client
// can do the same; this is what hubwire ack does.
func SendAck(ctx context.Context, nc *natsgo.Conn, a reply.Ack) (reply.AckReply, error) {
	var r reply.AckReply
	body, err := json.Marshal(a)
	if err != nil {
		return r, err
	}
	msg, err := nc.RequestWithContext(ctx, AckSubjectPrefix+"."+a.EventID, body)
	switch {
	case errors.Is(err, natsgo.ErrNoResponders):
		return r, ErrNoSubscriber
	case err != nil:
		return r, err
	}
	if err := json.Unmarshal(msg.Data, &r); err != nil {
		return r, fmt.Errorf("%w on %s: %q", ErrUnexpectedAnswer, msg.Subject, msg.Data)
	}
	return r, nil
}
