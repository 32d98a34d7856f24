package github

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
	top, ok := rawjson.Scan(body, make([]rawjson.Member, 0, 8))
	if !ok {
		return rawjson.Object{}, false
	}
	for _, m := range top.Members() {
		ok := true
		switch string(m.Key) {
		case "action":
			d.Action, ok = rawjson.StringValue(m.Value)
		case "package":
			d.Package, ok = readPkg(m.Value)
		case "registry_package":
			d.RegistryPackage, ok = readPkg(m.Value)
		case "sender":
			d.Sender, ok = readLogin(m.Value)
		}
		if !ok {
			return rawjson.Object{}, false
		}
	}
	return top.Sorted(), true
}

func readLogin(v []byte) (*login, bool) {
	return rawjson.ReadPtr(v, func(l *login, k string, v []byte) (ok bool) {
		if k == "login" {
			l.Login, ok = rawjson.StringValue(v)
			return ok
		}
		return true
	})
}

func readPkg(v []byte) (*pkg, bool) {
	return rawjson.ReadPtr(v, func(p *pkg, k string, v []byte) (ok bool) {
		switch k {
		case "name":
			p.Name, ok = rawjson.StringValue(v)
		case "ecosystem":
			p.Ecosystem, ok = rawjson.StringValue(v)
		case "package_type":
			p.PackageType, ok = rawjson.StringValue(v)
		case "created_at":
			p.CreatedAt, ok = rawjson.StringValue(v)
		case "updated_at":
			p.UpdatedAt, ok = rawjson.StringValue(v)
		case "owner":
			p.Owner, ok = readLogin(v)
		case "package_version":
			p.Version, ok = readVersion(v)
		default:
			ok = true
		}
		return ok
	})
}

func readVersion(v []byte) (*version, bool) {
	return rawjson.ReadPtr(v, func(ver *version, k string, v []byte) (ok bool) {
		switch k {
		case "version":
			ver.Version, ok = rawjson.StringValue(v)
		case "name":
			ver.Name, ok = rawjson.StringValue(v)
		case "created_at":
			ver.CreatedAt, ok = rawjson.StringValue(v)
		case "updated_at":
			ver.UpdatedAt, ok = rawjson.StringValue(v)
		case "package_url":
			ver.PackageURL, ok = rawjson.StringValue(v)
		case "container_metadata":
			ver.ContainerMetadata, ok = readContainerMetadata(v)
		default:
			ok = true
		}
		return ok
	})
}

func readContainerMetadata(v []byte) (*containerMetadata, bool) {
	return rawjson.ReadPtr(v, func(c *containerMetadata, k string, v []byte) (ok bool) {
		switch k {
		case "tag":
			c.Tag, ok = rawjson.ReadPtr(v, func(t *struct {
				Name   string `json:"name"`
				Digest string `json:"digest"`
			}, k string, v []byte) (ok bool) {
				switch k {
				case "name":
					t.Name, ok = rawjson.StringValue(v)
				case "digest":
					t.Digest, ok = rawjson.StringValue(v)
				default:
					ok = true
				}
				return ok
			})
		case "manifest":
			c.Manifest, ok = rawjson.ReadPtr(v, func(m *struct {
				Digest    string `json:"digest"`
				MediaType string `json:"media_type"`
			}, k string, v []byte) (ok bool) {
				switch k {
				case "digest":
					m.Digest, ok = rawjson.StringValue(v)
				case "media_type":
					m.MediaType, ok = rawjson.StringValue(v)
				default:
					ok = true
				}
				return ok
			})
		default:
			ok = true
		}
		return ok
	})
}
