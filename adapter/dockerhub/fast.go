package dockerhub

import (
	"github.com/hubwire/hubwire/internal/rawjson"
)

// decodeDelivery is adapter.DecodeJSON(body, d) for most deliveries in
// one pass over the text (rawjson.Scan) and reads of the members it
// found, by hand, as DTR's; a body it does not vouch for goes to
// DecodeJSON, which answers it as before (TestFastAsSlow, FuzzFastAsSlow).
func (s *Source) decodeDelivery(body []byte, d *delivery) (rawjson.Object, bool) {
	if s.slow {
		return rawjson.Object{}, false
	}
	top, ok := rawjson.Scan(body, make([]rawjson.Member, 0, 4))
	if !ok {
		return rawjson.Object{}, false
	}
	for _, m := range top.Members() {
		ok := true
		switch string(m.Key) {
		case "callback_url":
			d.CallbackURL, ok = rawjson.StringValue(m.Value)
		case "push_data":
			d.PushData, ok = rawjson.ReadPtr(m.Value, (*pushData).read)
		case "repository":
			d.Repository, ok = rawjson.ReadPtr(m.Value, (*repository).read)
		}
		if !ok {
			return rawjson.Object{}, false
		}
	}
	return top.Sorted(), true
}

func (p *pushData) read(k string, v []byte) (ok bool) {
	switch k {
	case "images":
		switch v[0] {
		case 'n':
			p.Images = nil
		case '[':
			elems := rawjson.ArrayElements(v, nil)
			p.Images = make([]string, len(elems))
			for i, e := range elems {
				if p.Images[i], ok = rawjson.StringValue(e); !ok {
					return false
				}
			}
		default:
			return false
		}
		return true
	case "pushed_at":
		return p.PushedAt.UnmarshalJSON(v) == nil
	case "pusher":
		p.Pusher, ok = rawjson.StringValue(v)
	case "tag":
		p.Tag, ok = rawjson.StringValue(v)
	case "media_type":
		p.MediaType, ok = rawjson.StringValue(v)
	default:
		ok = true
	}
	return ok
}

func (r *repository) read(k string, v []byte) (ok bool) {
	switch k {
	case "repo_name":
		r.RepoName, ok = rawjson.StringValue(v)
	case "namespace":
		r.Namespace, ok = rawjson.StringValue(v)
	case "name":
		r.Name, ok = rawjson.StringValue(v)
	case "repo_url":
		r.RepoURL, ok = rawjson.StringValue(v)
	case "is_private":
		switch v[0] {
		case 't', 'f':
			b := v[0] == 't'
			r.IsPrivate = &b
		case 'n':
			r.IsPrivate = nil
		default:
			return false
		}
		return true
	default:
		ok = true
	}
	return ok
}
