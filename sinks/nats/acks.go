package nats

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// acks publishes messages to JetStream and waits for each one's PubAck,
// as jetstream's PublishMsg does, but with one subscription for all the
// PubAcks and a table of its own: nats.go's requests register and look
// up every reply under the connection's lock, which the publishes, its
// flusher and its reader need too, and PublishMsg decodes each PubAck
// with encoding/json (2.4% of hubwire's CPU under load).
type acks struct {
	nc *natsgo.Conn
	// stream is the name the PubAcks are expected to carry, kept so that
	// each does not make it anew.
	stream string
	// prefix is the subject the PubAcks come back on, with a number
	// per publish after it.
	prefix string
	sub    *natsgo.Subscription

	// closed ends the waits when the sink closes the connection, as
	// nats.go ends its requests'.
	closed    chan struct{}
	closeOnce sync.Once

	mu      sync.Mutex
	next    uint64
	waiting map[uint64]*future
}

// future is one publish waiting for its PubAck.
type future struct {
	ack chan *natsgo.Msg // at most one is sent
}

var futures = sync.Pool{New: func() any { return &future{ack: make(chan *natsgo.Msg, 1)} }}

// noResponderRetries and noResponderWait are what jetstream's PublishMsg
// does on "no responders": a stream whose leader is being elected has
// none for a moment.
const (
	noResponderRetries = jetstream.DefaultPubRetryAttempts
	noResponderWait    = jetstream.DefaultPubRetryWait
)

// defaultAckTimeout bounds a publish whose context has no deadline, as
// jetstream's default API timeout does.
const defaultAckTimeout = 5 * time.Second

// newAcks subscribes to the PubAcks of the publishes on nc.
func newAcks(nc *natsgo.Conn, stream string) (*acks, error) {
	a := &acks{nc: nc, stream: stream, prefix: nc.NewInbox() + ".", closed: make(chan struct{}), waiting: map[uint64]*future{}}
	sub, err := nc.Subscribe(a.prefix+"*", a.received)
	if err != nil {
		return nil, fmt.Errorf("subscribing to the PubAcks: %w", err)
	}
	// A PubAck that finds no publish waiting (it gave up) is dropped; the
	// others must not be, however many publishes are in flight.
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		return nil, err
	}
	a.sub = sub
	return a, nil
}

// received hands a PubAck to the publish waiting for it.
func (a *acks) received(m *natsgo.Msg) {
	id, err := strconv.ParseUint(m.Subject[min(len(a.prefix), len(m.Subject)):], 36, 64)
	if err != nil {
		return
	}
	a.mu.Lock()
	f := a.waiting[id]
	delete(a.waiting, id)
	a.mu.Unlock()
	if f != nil {
		f.ack <- m // never blocks: one PubAck per id, and room for it
	}
}

// publish publishes msg and waits, within ctx, for JetStream to store it;
// its errors are those of jetstream's PublishMsg. msg's Reply is set.
func (a *acks) publish(ctx context.Context, msg *natsgo.Msg) (*jetstream.PubAck, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		// As jetstream's PublishMsg: a PubAck lost with a connection
		// must not hold the caller forever.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultAckTimeout)
		defer cancel()
	}
	for retry := 0; ; retry++ {
		m, err := a.request(ctx, msg)
		if err != nil {
			return nil, err
		}
		if len(m.Data) == 0 && m.Header.Get("Status") == "503" {
			// No responders: no stream takes the subject, or its leader
			// is being elected.
			if retry == noResponderRetries {
				return nil, jetstream.ErrNoStreamResponse
			}
			wait := time.NewTimer(noResponderWait)
			select {
			case <-ctx.Done():
				wait.Stop()
				return nil, ctx.Err()
			case <-wait.C:
			}
			continue
		}
		return parsePubAck(m.Data, a.stream)
	}
}

// request publishes msg with a reply subject of its own and waits for
// the answer.
func (a *acks) request(ctx context.Context, msg *natsgo.Msg) (*natsgo.Msg, error) {
	f := futures.Get().(*future)
	a.mu.Lock()
	id := a.next
	a.next++
	a.waiting[id] = f
	a.mu.Unlock()
	var reply [32]byte
	msg.Reply = a.prefix + string(strconv.AppendUint(reply[:0], id, 36))
	if err := a.nc.PublishMsg(msg); err != nil {
		a.forget(id, f)
		return nil, err
	}
	select {
	case m := <-f.ack:
		futures.Put(f)
		return m, nil
	case <-ctx.Done():
		a.forget(id, f)
		return nil, ctx.Err()
	case <-a.closed:
		a.forget(id, f)
		return nil, natsgo.ErrConnectionClosed
	}
}

// close ends the publishes waiting for a PubAck.
func (a *acks) close() { a.closeOnce.Do(func() { close(a.closed) }) }

// forget drops the publish id, which waits no more; its future is reused
// only if no PubAck can reach it any more.
func (a *acks) forget(id uint64, f *future) {
	a.mu.Lock()
	_, waiting := a.waiting[id]
	delete(a.waiting, id)
	a.mu.Unlock()
	if waiting {
		futures.Put(f)
	}
}

// parsePubAck reads JetStream's answer to a publish. The answers of a
// stored event and of a duplicate, as nats-server writes them
// ({"stream":"S","seq":1} and {"stream":"S","seq":2,"duplicate": true},
// "domain" after "stream" in a domain), are read by hand; any other (an
// error, fields added in later versions) with encoding/json, as
// jetstream's PublishMsg reads them all.
func parsePubAck(data []byte, stream string) (*jetstream.PubAck, error) {
	if ack, ok := readPubAck(data, stream); ok {
		return ack, nil
	}
	var resp struct {
		Error *jetstream.APIError `json:"error,omitempty"`
		*jetstream.PubAck
	}
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, jetstream.ErrInvalidJSAck
	}
	if resp.Error != nil {
		return nil, fmt.Errorf("nats: %w", resp.Error)
	}
	if resp.PubAck == nil || resp.PubAck.Stream == "" {
		return nil, jetstream.ErrInvalidJSAck
	}
	return resp.PubAck, nil
}

// readPubAck reads the PubAcks nats-server writes for a stored message or
// a duplicate, or reports that data is not one of them; a stream named
// stream is given that string.
func readPubAck(data []byte, stream string) (*jetstream.PubAck, bool) {
	ack := &jetstream.PubAck{}
	var ok bool
	rest := data
	if rest, ok = cutPrefix(rest, `{"stream":`); !ok {
		return nil, false
	}
	if r, ok := cutPrefix(rest, `"`+stream+`"`); ok && stream != "" {
		ack.Stream, rest = stream, r
	} else if ack.Stream, rest, ok = plainString(rest); !ok || ack.Stream == "" {
		return nil, false
	}
	if r, ok := cutPrefix(rest, `,"domain":`); ok {
		if ack.Domain, rest, ok = plainString(r); !ok {
			return nil, false
		}
	}
	if rest, ok = cutPrefix(rest, `,"seq":`); !ok {
		return nil, false
	}
	n := 0
	var seq uint64
	for ; n < len(rest) && rest[n] >= '0' && rest[n] <= '9'; n++ {
		d := uint64(rest[n] - '0')
		if seq > (math.MaxUint64-d)/10 {
			return nil, false
		}
		seq = seq*10 + d
	}
	if n == 0 || n > 1 && rest[0] == '0' {
		return nil, false
	}
	ack.Sequence, rest = seq, rest[n:]
	switch string(rest) {
	case `}`:
	case `,"duplicate": true}`, `,"duplicate":true}`:
		ack.Duplicate = true
	default:
		return nil, false
	}
	return ack, true
}

func cutPrefix(b []byte, prefix string) ([]byte, bool) {
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		return b, false
	}
	return b[len(prefix):], true
}

// plainString reads a JSON string without escapes (a stream's or a
// domain's name: nats-server allows no quote, backslash or control
// character in either) at the start of b.
func plainString(b []byte) (string, []byte, bool) {
	if len(b) == 0 || b[0] != '"' {
		return "", b, false
	}
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return string(b[1:i]), b[i+1:], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return "", b, false
		}
	}
	return "", b, false
}
