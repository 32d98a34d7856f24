package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"path/filepath"
	"strings"

	natsgo "github.com/nats-io/nats.go"

	"github.com/hubwire/hubwire/internal/cli"
	natssink "github.com/hubwire/hubwire/sinks/nats"
)

const defaultDataDir = "./hubwire-data"

// embeddedLogin is how hubwire's client commands (replay, tail, ack) log
// in to serve's embedded NATS server when no --nats-* credentials are
// given: as serve's user, with the password serve keeps in its data
// directory (or the file --embedded-nats-password-file names).
type embeddedLogin struct {
	dataDir, user, passwordFile string
}

func (l *embeddedLogin) register(f *cli.Flags) {
	f.StringVar(&l.dataDir, "data-dir", defaultDataDir, "hubwire serve's data `directory`, where its embedded NATS server's password\nis kept (used when no --nats-* credentials are given)")
	f.StringVar(&l.user, "embedded-nats-user", natssink.DefaultUser, "`user` hubwire serve's embedded NATS server knows hubwire by")
	f.StringVar(&l.passwordFile, "embedded-nats-password-file", "", "`file` holding that user's password (default <data-dir>/nats-password)")
}

func (l embeddedLogin) file() string {
	if l.passwordFile != "" {
		return l.passwordFile
	}
	return filepath.Join(l.dataDir, natssink.PasswordFile)
}

// options are the nats.go options that log in as serve's own user, when
// the command was given no credentials of its own. The password is sent
// to a server on loopback, or to any once the data directory or password
// file was named: never by surprise to another machine.
func (l embeddedLogin) options(urls string, a natssink.Auth) ([]natsgo.Option, error) {
	if a.Creds != "" || a.NKey != "" || a.User != "" || a.Token != "" || hasUserInfo(urls) {
		return nil, nil
	}
	named := l.passwordFile != "" || filepath.Clean(l.dataDir) != filepath.Clean(defaultDataDir)
	if !named && !allLoopback(urls) {
		return nil, nil
	}
	pw, err := natssink.ReadPassword(l.file())
	switch {
	case errors.Is(err, fs.ErrNotExist) && l.passwordFile == "":
		return nil, nil // no serve here: try without; hint() explains a refusal
	case err != nil:
		return nil, fmt.Errorf("reading the NATS password: %w", err)
	}
	return []natsgo.Option{natsgo.UserInfo(l.user, pw)}, nil
}

// hint adds to a refused login where the password was looked for and the
// flags that give credentials.
func (l embeddedLogin) hint(err error) error {
	if !errors.Is(err, natsgo.ErrAuthorization) {
		return err
	}
	return fmt.Errorf("%w: the NATS server wants credentials. hubwire serve's embedded server keeps its password in %s; "+
		"name serve's data directory with --data-dir (or the file with --embedded-nats-password-file), "+
		"or give --nats-user and --nats-password, --nats-creds, --nats-nkey or --nats-token", err, l.file())
}

func hasUserInfo(urls string) bool {
	for _, u := range strings.Split(urls, ",") {
		if p, err := url.Parse(strings.TrimSpace(u)); err == nil && p.User != nil {
			return true
		}
	}
	return false
}

func allLoopback(urls string) bool {
	for _, u := range strings.Split(urls, ",") {
		p, err := url.Parse(strings.TrimSpace(u))
		if err != nil {
			return false
		}
		host := p.Hostname()
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return false
		}
	}
	return true
}
