package server

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter/receiver"
)

// Source is one registry's settings under sources: in the config file,
// for what does not fit a flag.
type Source struct {
	// RequiredConsumers replaces --required-consumers for this registry.
	RequiredConsumers []string `yaml:"required-consumers,omitempty"`
	// Tokens are the registry's own webhook tokens (--source-token).
	Tokens []string `yaml:"tokens,omitempty"`
	// Publish, when set, names the only CloudEvent types published (a
	// trailing * matches any rest); Drop names types that are not. A
	// dropped event is answered 2xx, "ignored": true, and counted.
	Publish []string `yaml:"publish,omitempty"`
	Drop    []string `yaml:"drop,omitempty"`
	// StandardWebhooks and HMAC, when set, make every delivery of the
	// registry carry a signature that verifies.
	StandardWebhooks *StandardWebhooks `yaml:"standard-webhooks,omitempty"`
	HMAC             *HMAC             `yaml:"hmac,omitempty"`
	// SecretHeader, when set, makes every delivery carry one of its
	// secrets, as it is, in its header (JFrog's X-JFrog-Event-Auth).
	SecretHeader *SecretHeader `yaml:"secret-header,omitempty"`
	// TokenHeader names a header whose whole value may be the registry's
	// token (an EventBridge connection's API-key header).
	TokenHeader string `yaml:"token-header,omitempty"`
	// OIDC, when set, makes every delivery carry an OpenID Connect token
	// in Authorization: Bearer that verifies (a Pub/Sub push's).
	OIDC *OIDC `yaml:"oidc,omitempty"`
}

// SecretHeader configures a header that carries a shared secret as it is.
type SecretHeader struct {
	Header  string   `yaml:"header"`
	Secrets []string `yaml:"secrets"`
}

// OIDC configures the check of a sender's OpenID Connect token. Nothing
// in it is secret.
type OIDC struct {
	// JWKSURL serves the keys that sign the tokens (Google's by default).
	JWKSURL string `yaml:"jwks-url,omitempty"`
	// Audience is what the tokens are made for: the push subscription's
	// audience.
	Audience string `yaml:"audience"`
	// Issuer is the tokens' issuer (either of Google's by default).
	Issuer string `yaml:"issuer,omitempty"`
	// Email is the service account the tokens name.
	Email string `yaml:"email"`
}

// StandardWebhooks configures the Standard Webhooks signature check.
type StandardWebhooks struct {
	Secrets   []string      `yaml:"secrets"`
	Tolerance time.Duration `yaml:"tolerance,omitempty"`
}

// HMAC configures a signature header of the common shape: an HMAC of
// the body, in hex or base64, after an optional prefix.
type HMAC struct {
	// Preset names a registry's scheme, so that only the secrets need
	// saying: "github" is X-Hub-Signature-256, "sha256=" + hex
	// HMAC-SHA256; "gitea" is X-Gitea-Signature, hex HMAC-SHA256;
	// "nexus" is X-Nexus-Webhook-Signature, hex HMAC-SHA1; "jfrog" is
	// X-JFrog-Event-Auth as either hex HMAC-SHA256 or "sha1=" hex
	// HMAC-SHA1 (sources disagree on which JFrog sends). Fields set
	// beside it win.
	Preset    string   `yaml:"preset,omitempty"`
	Header    string   `yaml:"header"`
	Algorithm string   `yaml:"algorithm"`
	Encoding  string   `yaml:"encoding"`
	Prefix    string   `yaml:"prefix,omitempty"`
	Secrets   []string `yaml:"secrets"`
}

// Masked is s with every token and secret replaced by ****, to be shown.
func (s Source) Masked() Source {
	s.Tokens = maskAll(s.Tokens)
	if sw := s.StandardWebhooks; sw != nil {
		c := *sw
		c.Secrets = maskAll(c.Secrets)
		s.StandardWebhooks = &c
	}
	if h := s.HMAC; h != nil {
		c := *h
		c.Secrets = maskAll(c.Secrets)
		s.HMAC = &c
	}
	if sh := s.SecretHeader; sh != nil {
		c := *sh
		c.Secrets = maskAll(c.Secrets)
		s.SecretHeader = &c
	}
	return s
}

func maskAll(secrets []string) []string {
	if secrets == nil {
		return nil
	}
	out := make([]string, len(secrets))
	for i := range out {
		out[i] = "****"
	}
	return out
}

// verifiers builds the signature checks the sources ask for.
func verifiers(sources map[string]Source) (map[string][]receiver.Verifier, error) {
	out := map[string][]receiver.Verifier{}
	for name, src := range sources {
		if sw := src.StandardWebhooks; sw != nil {
			v, err := receiver.NewStandardWebhooks(sw.Secrets, cmp.Or(sw.Tolerance, 5*time.Minute))
			if err != nil {
				return nil, fmt.Errorf("sources: %s: standard-webhooks: %w", name, err)
			}
			out[name] = append(out[name], v)
		}
		if h := src.HMAC; h != nil {
			schemes, err := h.withPreset()
			if err != nil {
				return nil, fmt.Errorf("sources: %s: hmac: %w", name, err)
			}
			var checks receiver.AnyOf
			for _, h := range schemes {
				v, err := receiver.NewHMAC(h.Header, cmp.Or(h.Algorithm, "sha256"), cmp.Or(h.Encoding, "hex"), h.Prefix, h.Secrets)
				if err != nil {
					return nil, fmt.Errorf("sources: %s: hmac: %w", name, err)
				}
				checks = append(checks, v)
			}
			if len(checks) == 1 {
				out[name] = append(out[name], checks[0])
			} else {
				out[name] = append(out[name], checks)
			}
		}
		if sh := src.SecretHeader; sh != nil {
			v, err := receiver.NewSecretHeader(sh.Header, sh.Secrets)
			if err != nil {
				return nil, fmt.Errorf("sources: %s: secret-header: %w", name, err)
			}
			out[name] = append(out[name], v)
		}
		if o := src.OIDC; o != nil {
			var issuers []string
			if o.Issuer != "" {
				issuers = []string{o.Issuer}
			}
			v, err := receiver.NewOIDC(o.JWKSURL, o.Audience, issuers, o.Email)
			if err != nil {
				return nil, fmt.Errorf("sources: %s: oidc: %w", name, err)
			}
			out[name] = append(out[name], v)
		}
	}
	return out, nil
}

// tokenHeaders gathers the sources' token headers.
func tokenHeaders(sources map[string]Source) (map[string]string, error) {
	out := map[string]string{}
	for name, src := range sources {
		if src.TokenHeader == "" {
			continue
		}
		if !receiver.ValidHeaderName(src.TokenHeader) {
			return nil, fmt.Errorf("sources: %s: token-header %q is not a header name", name, src.TokenHeader)
		}
		out[name] = src.TokenHeader
	}
	return out, nil
}

// hmacPresets are the schemes hmac's preset names: a delivery verifies
// when it verifies under any scheme of its preset.
var hmacPresets = map[string][]HMAC{
	"github": {{Header: "X-Hub-Signature-256", Algorithm: "sha256", Encoding: "hex", Prefix: "sha256="}},
	"gitea":  {{Header: "X-Gitea-Signature", Algorithm: "sha256", Encoding: "hex"}},
	"nexus":  {{Header: "X-Nexus-Webhook-Signature", Algorithm: "sha1", Encoding: "hex"}},
	// JFrog documents no algorithm; integrators verify either of these.
	"jfrog": {
		{Header: "X-JFrog-Event-Auth", Algorithm: "sha256", Encoding: "hex"},
		{Header: "X-JFrog-Event-Auth", Algorithm: "sha1", Encoding: "hex", Prefix: "sha1="},
	},
}

// withPreset is h as the schemes it stands for: itself, or each scheme of
// its preset with what h says filled in over it.
func (h *HMAC) withPreset() ([]*HMAC, error) {
	if h.Preset == "" {
		return []*HMAC{h}, nil
	}
	schemes, ok := hmacPresets[h.Preset]
	if !ok {
		names := slices.Sorted(maps.Keys(hmacPresets))
		return nil, fmt.Errorf("unknown preset %q; there are: %s", h.Preset, strings.Join(names, ", "))
	}
	out := make([]*HMAC, len(schemes))
	for i, p := range schemes {
		c := *h
		c.Header = cmp.Or(c.Header, p.Header)
		c.Algorithm = cmp.Or(c.Algorithm, p.Algorithm)
		c.Encoding = cmp.Or(c.Encoding, p.Encoding)
		c.Prefix = cmp.Or(c.Prefix, p.Prefix)
		out[i] = &c
	}
	return out, nil
}

// filters gathers the sources' publish and drop lists.
func filters(sources map[string]Source) (publish, drop map[string][]string) {
	publish, drop = map[string][]string{}, map[string][]string{}
	for name, src := range sources {
		publish[name], drop[name] = src.Publish, src.Drop
	}
	return publish, drop
}
