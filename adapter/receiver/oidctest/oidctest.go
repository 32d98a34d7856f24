// Package oidctest is an OIDC token issuer for tests: it serves its JSON
// Web Key Set over httptest and signs tokens with its key, as Google does
// for a Pub/Sub push subscription. Only tests import it.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Issuer signs tokens and serves the keys that verify them at JWKSURL.
type Issuer struct {
	JWKSURL string
	key     *rsa.PrivateKey
	kid     string
}

// New starts an issuer whose JWKS is served until the test ends.
func New(t testing.TB) *Issuer {
	t.Helper()
	iss := &Issuer{key: newKey(t), kid: "test-key-1"}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &iss.key.PublicKey, KeyID: iss.kid, Algorithm: "RS256", Use: "sig"}}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(srv.Close)
	iss.JWKSURL = srv.URL
	return iss
}

// Impostor returns an issuer that signs with another key under the same
// key id, whose tokens the real issuer's keys do not verify.
func (iss *Issuer) Impostor(t testing.TB) *Issuer {
	return &Issuer{JWKSURL: iss.JWKSURL, key: newKey(t), kid: iss.kid}
}

// Claims are the claims of a Pub/Sub push token.
type Claims struct {
	Issuer        string
	Audience      string
	Email         string
	EmailVerified bool
	Expiry        time.Time
}

// PubSub are the claims Google puts in a push token for audience and the
// service account email, valid for an hour.
func PubSub(audience, email string) Claims {
	return Claims{Issuer: "https://accounts.google.com", Audience: audience, Email: email, EmailVerified: true, Expiry: time.Now().Add(time.Hour)}
}

// Sign returns the signed token of c.
func (iss *Issuer) Sign(t testing.TB, c Claims) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: iss.key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", iss.kid))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(jwt.Claims{
		Issuer:   c.Issuer,
		Audience: jwt.Audience{c.Audience},
		Subject:  "112233445566778899000",
		Expiry:   jwt.NewNumericDate(c.Expiry),
		IssuedAt: jwt.NewNumericDate(c.Expiry.Add(-time.Hour)),
	}).Claims(map[string]any{"email": c.Email, "email_verified": c.EmailVerified}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func newKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
