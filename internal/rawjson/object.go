package rawjson

import (
	"bytes"
	"encoding/json"
	"slices"
)

// Object is a delivery's top-level members as received: each key
// decoded, each value's text as sent. Where several members have the same
// key, the last is kept, as in a decoded map.
type Object struct {
	members []Member
	// compact says the members' values hold no insignificant space (Scan
	// saw none), so that Payload copies them as they are.
	compact bool
}

// Member is one member of an Object.
type Member struct {
	Key   []byte
	Value json.RawMessage
}

// splitObject splits the valid JSON object text body into its members.
func splitObject(body []byte) Object {
	r := JSONReader{In: body}
	r.SkipSpace()
	return Object{members: r.Members(make([]Member, 0, 8))}
}

// Get returns the text of the member key; nil when there is none.
func (o Object) Get(key string) json.RawMessage {
	for _, m := range o.members {
		if string(m.Key) == key {
			return m.Value
		}
	}
	return nil
}

// Payload returns the delivery as received, minus the named members in
// any spelling that differs only in case (callback_url, CALLBACK_URL: a
// capability that never leaves hubwire, whichever way it is written). Values are kept
// as sent (a float timestamp stays a float); the members are sorted by
// key and the text written as Marshal writes a
// map[string]json.RawMessage (strings as sent, '<', '>' and '&' too).
func (o Object) Payload(drop ...string) json.RawMessage {
	n := 2
	for _, m := range o.members {
		n += len(m.Key) + len(m.Value) + 4
	}
	out := make([]byte, 0, n+n/8)
	out = append(out, '{')
	for _, m := range o.members {
		if slices.ContainsFunc(drop, func(d string) bool { return bytes.EqualFold([]byte(d), m.Key) }) {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = AppendString(out, m.Key)
		out = append(out, ':')
		if o.compact {
			out = append(out, m.Value...)
		} else {
			out = AppendCompact(out, m.Value)
		}
	}
	return append(out, '}')
}
