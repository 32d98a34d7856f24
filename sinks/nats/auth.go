package nats

import (
	"fmt"

	natsgo "github.com/nats-io/nats.go"

	"github.com/hubwire/hubwire/sinks"
)

// Auth is how hubwire authenticates to an external NATS server: any of a
// credentials file (JWT and nkey seed), an nkey seed file, a user and
// password, a token, and TLS with a CA and a client certificate.
type Auth struct {
	Creds, NKey, User, Password, Token string
	TLS                                sinks.TLSFiles
}

// Options are the nats.go options that connect as a says, the files it
// names read.
func (a Auth) Options() ([]natsgo.Option, error) {
	var opts []natsgo.Option
	if a.Creds != "" {
		opts = append(opts, natsgo.UserCredentials(a.Creds))
	}
	if a.NKey != "" {
		opt, err := natsgo.NkeyOptionFromSeed(a.NKey)
		if err != nil {
			return nil, fmt.Errorf("--nats-nkey: %w", err)
		}
		opts = append(opts, opt)
	}
	if a.User != "" {
		opts = append(opts, natsgo.UserInfo(a.User, a.Password))
	}
	if a.Token != "" {
		opts = append(opts, natsgo.Token(a.Token))
	}
	if a.TLS != (sinks.TLSFiles{}) {
		cfg, err := a.TLS.Config()
		if err != nil {
			return nil, fmt.Errorf("--nats-tls-*: %w", err)
		}
		opts = append(opts, natsgo.Secure(cfg))
	}
	return opts, nil
}
