package receiver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// GoogleIssuers are the issuers of the OIDC tokens Google signs, Pub/Sub's
// push tokens among them: Google writes both forms.
var GoogleIssuers = []string{"https://accounts.google.com", "accounts.google.com"}

// GoogleJWKS is where Google publishes the keys of the tokens it signs.
const GoogleJWKS = "https://www.googleapis.com/oauth2/v3/certs"

// OIDC verifies the OpenID Connect token a sender puts in Authorization:
// Bearer (a Pub/Sub push subscription's): its signature against the keys
// at a JWKS URL, its audience, issuer and expiry, and the email it names,
// which must be verified.
type OIDC struct {
	verifier *oidc.IDTokenVerifier
	issuers  []string
	email    string
	// fetchTimeout bounds a fetch of the keys, which happens on the
	// first token and on a key id not seen before.
	fetchTimeout time.Duration
}

// NewOIDC configures the check: keys from jwksURL (Google's for ""),
// tokens for audience, from one of issuers (Google's for none), naming
// email (the push subscription's service account): without it, any
// Google account could make a token for the audience.
func NewOIDC(jwksURL, audience string, issuers []string, email string) (*OIDC, error) {
	if audience == "" {
		return nil, errors.New("an OIDC check needs the audience the tokens are made for (the push subscription's audience)")
	}
	if email == "" {
		return nil, errors.New("an OIDC check needs the email of the service account the tokens name")
	}
	if jwksURL == "" {
		jwksURL = GoogleJWKS
	}
	if !strings.HasPrefix(jwksURL, "https://") && !strings.HasPrefix(jwksURL, "http://") {
		return nil, fmt.Errorf("jwks-url %q is not an http(s) URL", jwksURL)
	}
	if len(issuers) == 0 {
		issuers = GoogleIssuers
	}
	// The key set lives as long as the receiver: it caches the keys and
	// fetches them again for a key id it has not seen.
	keys := oidc.NewRemoteKeySet(context.Background(), jwksURL)
	v := oidc.NewVerifier("", keys, &oidc.Config{
		ClientID: audience,
		// Issuers are checked below, against a list: Google's tokens
		// name either form.
		SkipIssuerCheck:      true,
		SupportedSigningAlgs: []string{oidc.RS256, oidc.ES256},
	})
	return &OIDC{verifier: v, issuers: issuers, email: email, fetchTimeout: 10 * time.Second}, nil
}

// Verify implements Verifier.
func (o *OIDC) Verify(h http.Header, _ []byte, _ time.Time) error {
	scheme, raw, ok := strings.Cut(h.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return errors.New("missing Authorization: Bearer <OIDC token>")
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.fetchTimeout)
	defer cancel()
	tok, err := o.verifier.Verify(ctx, strings.TrimSpace(raw))
	if err != nil {
		// go-oidc's errors name what failed (expiry, audience, signature)
		// and hold no part of the token.
		return fmt.Errorf("OIDC token: %w", err)
	}
	if !slices.Contains(o.issuers, tok.Issuer) {
		return fmt.Errorf("OIDC token: issuer %q is not %s", tok.Issuer, strings.Join(o.issuers, " or "))
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
	}
	if err := tok.Claims(&claims); err != nil {
		return fmt.Errorf("OIDC token: claims: %w", err)
	}
	if !claims.EmailVerified {
		return errors.New("OIDC token: email_verified is not true")
	}
	if claims.Email != o.email {
		return fmt.Errorf("OIDC token: email %q is not the configured service account", claims.Email)
	}
	return nil
}
