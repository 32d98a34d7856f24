package distribution

import (
	"encoding/json"

	"github.com/hubwire/hubwire/internal/rawjson"
)

// decodeEnvelope is adapter.DecodeJSON(body, env) for most deliveries in
// one pass over the text (rawjson.Scan) and reads of the members it
// found, by hand, as DTR's; a body it does not vouch for goes to
// DecodeJSON, which answers it as before (TestFastAsSlow, FuzzFastAsSlow).
func (s *Source) decodeEnvelope(body []byte, env *envelope) (rawjson.Object, bool) {
	if s.slow {
		return rawjson.Object{}, false
	}
	top, ok := rawjson.Scan(body, make([]rawjson.Member, 0, 2))
	if !ok {
		return rawjson.Object{}, false
	}
	for _, m := range top.Members() {
		if string(m.Key) != "events" {
			continue
		}
		switch m.Value[0] {
		case 'n':
		case '[':
			env.Events = rawjson.ArrayElements(m.Value, make([]json.RawMessage, 0, 1))
		default:
			return rawjson.Object{}, false
		}
	}
	return top.Sorted(), true
}

// decodeElement is decodeEnvelope for one element of the envelope.
func (s *Source) decodeElement(raw []byte, el *element) (rawjson.Object, bool) {
	if s.slow {
		return rawjson.Object{}, false
	}
	top, ok := rawjson.Scan(raw, make([]rawjson.Member, 0, 8))
	if !ok {
		return rawjson.Object{}, false
	}
	for _, m := range top.Members() {
		ok := true
		switch string(m.Key) {
		case "id":
			el.ID, ok = rawjson.StringValue(m.Value)
		case "timestamp":
			el.Timestamp, ok = rawjson.StringValue(m.Value)
		case "action":
			el.Action, ok = rawjson.StringValue(m.Value)
		case "target":
			switch m.Value[0] {
			case 'n':
				el.Target = nil
			case '{':
				el.Target = new(target)
				ok = el.Target.read(m.Value)
			default:
				ok = false
			}
		case "request":
			ok = rawjson.ReadObject(m.Value, func(k string, v []byte) (ok bool) {
				switch k {
				case "host":
					el.Request.Host, ok = rawjson.StringValue(v)
				case "method":
					el.Request.Method, ok = rawjson.StringValue(v)
				case "useragent":
					el.Request.UserAgent, ok = rawjson.StringValue(v)
				default:
					ok = true
				}
				return ok
			})
		case "actor":
			ok = rawjson.ReadObject(m.Value, func(k string, v []byte) (ok bool) {
				if k == "name" {
					el.Actor.Name, ok = rawjson.StringValue(v)
					return ok
				}
				return true
			})
		case "source":
			ok = rawjson.ReadObject(m.Value, func(k string, v []byte) (ok bool) {
				switch k {
				case "addr":
					el.Source.Addr, ok = rawjson.StringValue(v)
				case "instanceID":
					el.Source.InstanceID, ok = rawjson.StringValue(v)
				default:
					ok = true
				}
				return ok
			})
		}
		if !ok {
			return rawjson.Object{}, false
		}
	}
	return top.Sorted(), true
}

func (t *target) read(v []byte) bool {
	return rawjson.ReadObject(v, func(k string, v []byte) (ok bool) {
		switch k {
		case "mediaType":
			t.MediaType, ok = rawjson.StringValue(v)
		case "digest":
			t.Digest, ok = rawjson.StringValue(v)
		case "repository":
			t.Repository, ok = rawjson.StringValue(v)
		case "fromRepository":
			t.FromRepository, ok = rawjson.StringValue(v)
		case "url":
			t.URL, ok = rawjson.StringValue(v)
		case "tag":
			t.Tag, ok = rawjson.StringValue(v)
		default:
			ok = true
		}
		return ok
	})
}
