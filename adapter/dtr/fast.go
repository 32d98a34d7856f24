package dtr

import (
	"github.com/hubwire/hubwire/internal/rawjson"
)

// decodeEnvelope is adapter.DecodeJSON(body, env) for most deliveries in
// one pass over the text (rawjson.Scan) and reads of the members it
// found, by hand: a DTR delivery is most of a busy registry's traffic,
// and encoding/json's reflection, its validation pass and the duplicate
// walk were a third of the decoder. A body the hand-written reader does
// not vouch for (not valid, a key given twice or written with escapes, a
// field of another type than expected) goes to DecodeJSON, which answers
// it as before; TestEnvelopeAsDecodeJSON and FuzzEnvelope hold the two
// ways to the same result.
//
// It returns the canonical form of contents too, made from the members it
// read instead of a second read of the text.
func (s *Source) decodeEnvelope(body []byte, env *envelope) (top rawjson.Object, canonical string, ok bool) {
	if s.slow {
		return rawjson.Object{}, "", false
	}
	top, ok = rawjson.Scan(body, make([]rawjson.Member, 0, 4))
	if !ok {
		return rawjson.Object{}, "", false
	}
	for _, m := range top.Members() {
		switch string(m.Key) {
		case "type":
			env.Type, ok = rawjson.StringValue(m.Value)
		case "createdAt":
			env.CreatedAt, ok = rawjson.StringValue(m.Value)
		case "location":
			env.Location, ok = rawjson.StringValue(m.Value)
		case "contents":
			switch {
			case rawjson.IsNull(m.Value):
			case rawjson.IsObject(m.Value):
				env.Contents = new(contents)
				var stack [16]rawjson.Member
				members := rawjson.ObjectMembers(m.Value, stack[:0])
				if ok = env.Contents.read(members); ok {
					canonical = string(canonicalMembers(make([]byte, 0, len(m.Value)), members))
				}
			default:
				ok = false
			}
		}
		if !ok {
			return rawjson.Object{}, "", false
		}
	}
	if env.Contents == nil {
		canonical = ""
	}
	return top.Sorted(), canonical, true
}

// read fills c from the members of an object Scan vouched for, as
// encoding/json would; false where encoding/json would refuse a member's
// type.
func (c *contents) read(members []rawjson.Member) bool {
	for _, m := range members {
		ok := true
		switch string(m.Key) {
		case "namespace":
			c.Namespace, ok = rawjson.StringValue(m.Value)
		case "repository":
			c.Repository, ok = rawjson.StringValue(m.Value)
		case "tag":
			c.Tag, ok = rawjson.StringValue(m.Value)
		case "digest":
			c.Digest, ok = rawjson.StringValue(m.Value)
		case "imageName":
			c.ImageName, ok = rawjson.StringValue(m.Value)
		case "os":
			c.OS, ok = rawjson.StringValue(m.Value)
		case "architecture":
			c.Architecture, ok = rawjson.StringValue(m.Value)
		case "author":
			c.Author, ok = rawjson.StringValue(m.Value)
		case "event":
			c.Event, ok = rawjson.StringValue(m.Value)
		case "error":
			// json.RawMessage keeps a null too.
			c.Error = append([]byte(nil), m.Value...)
		case "scanSummary":
			switch {
			case rawjson.IsNull(m.Value):
				c.ScanSummary = nil
			case rawjson.IsObject(m.Value):
				c.ScanSummary = new(scanSummary)
				ok = c.ScanSummary.read(m.Value)
			default:
				ok = false
			}
		case "scanner_version":
			ok = c.ScannerVersion.UnmarshalJSON(m.Value) == nil
		case "scanner_updated_at":
			c.ScannerUpdatedAt, ok = rawjson.StringValue(m.Value)
		case "db_version":
			ok = c.DBVersion.UnmarshalJSON(m.Value) == nil
		case "db_updated_at":
			c.DBUpdatedAt, ok = rawjson.StringValue(m.Value)
		case "success":
			switch m.Value[0] {
			case 't', 'f':
				b := m.Value[0] == 't'
				c.Success = &b
			case 'n':
				c.Success = nil
			default:
				ok = false
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (sum *scanSummary) read(v []byte) bool {
	var stack [16]rawjson.Member
	for _, m := range rawjson.ObjectMembers(v, stack[:0]) {
		ok := true
		switch string(m.Key) {
		case "critical":
			ok = sum.Critical.UnmarshalJSON(m.Value) == nil
		case "major":
			ok = sum.Major.UnmarshalJSON(m.Value) == nil
		case "minor":
			ok = sum.Minor.UnmarshalJSON(m.Value) == nil
		case "last_scan_status":
			ok = sum.LastScanStatus.UnmarshalJSON(m.Value) == nil
		case "check_completed_at":
			sum.CheckCompletedAt, ok = rawjson.StringValue(m.Value)
		}
		if !ok {
			return false
		}
	}
	return true
}
