package receiver

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter/receiver/oidctest"
)

func TestOIDC(t *testing.T) {
	const aud, email = "https://hooks.example.com/hooks/gcr", "push@my-project.iam.gserviceaccount.com"
	iss := oidctest.New(t)
	v, err := NewOIDC(iss.JWKSURL, aud, nil, email)
	if err != nil {
		t.Fatal(err)
	}
	good := oidctest.PubSub(aud, email)
	with := func(f func(*oidctest.Claims)) oidctest.Claims { c := good; f(&c); return c }
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	for _, tt := range []struct {
		name string
		h    http.Header
		says string
	}{
		{"right token", bearer(iss.Sign(t, good)), ""},
		{"issuer without https://", bearer(iss.Sign(t, with(func(c *oidctest.Claims) { c.Issuer = "accounts.google.com" }))), ""},
		{"no token", http.Header{}, "missing Authorization"},
		{"basic", http.Header{"Authorization": {"Basic dTpw"}}, "missing Authorization"},
		{"not a JWT", bearer("abc"), "OIDC token"},
		{"wrong key", bearer(iss.Impostor(t).Sign(t, good)), "signature"},
		{"wrong audience", bearer(iss.Sign(t, with(func(c *oidctest.Claims) { c.Audience = "https://elsewhere" }))), "audience"},
		{"wrong issuer", bearer(iss.Sign(t, with(func(c *oidctest.Claims) { c.Issuer = "https://evil.example" }))), "issuer"},
		{"wrong email", bearer(iss.Sign(t, with(func(c *oidctest.Claims) { c.Email = "other@evil.iam.gserviceaccount.com" }))), "email"},
		{"email not verified", bearer(iss.Sign(t, with(func(c *oidctest.Claims) { c.EmailVerified = false }))), "email_verified"},
		{"expired", bearer(iss.Sign(t, with(func(c *oidctest.Claims) { c.Expiry = time.Now().Add(-time.Minute) }))), "expired"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := v.Verify(tt.h, nil, time.Now())
			if tt.says == "" && err != nil || tt.says != "" && (err == nil || !strings.Contains(err.Error(), tt.says)) {
				t.Errorf("got %v, want an error saying %q", err, tt.says)
			}
		})
	}
	for _, args := range [][4]string{{iss.JWKSURL, "", "", email}, {iss.JWKSURL, aud, "", ""}, {"file:///keys", aud, "", email}} {
		if _, err := NewOIDC(args[0], args[1], nil, args[3]); err == nil {
			t.Errorf("NewOIDC%v accepted", args)
		}
	}
}
