package nats

import (
	"cmp"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"
)

// ServerConfig configures the embedded NATS server.
type ServerConfig struct {
	// Addr is host:port where NATS clients (consumers) connect; port 0
	// picks a free one.
	Addr string
	// DataDir holds the JetStream file store (under DataDir/jetstream).
	DataDir string
	// MaxPayload bounds one message; it must hold the largest event the
	// receiver accepts (its body limit plus the normalized data).
	MaxPayload int32
	// User (DefaultUser if empty) and Password are hubwire's own user on
	// the server: the sink connects as it, and so do hubwire's client
	// commands. The server
	// always requires authentication, unless AllowAnonymous.
	User, Password string
	// AllowAnonymous lets a client without credentials in, as User (for
	// tests and demos).
	AllowAnonymous bool
	// ConfigFile is a nats-server configuration file whose users,
	// nkeys and accounts are added to hubwire's own user.
	ConfigFile string
	// TLS, when set, is required of every client on Addr (not of the
	// in-process connection).
	TLS *tls.Config
	// SyncAlways makes the file store fsync every write before the PubAck,
	// so that a power cut loses nothing answered; otherwise JetStream
	// fsyncs every two minutes (a process kill still loses nothing: the
	// write is in the kernel's cache).
	SyncAlways bool
	Logger     *slog.Logger
}

// StartServer starts an embedded nats-server with JetStream on a file
// store and waits until it accepts clients. Shut it down with Shutdown and
// WaitForShutdown.
func StartServer(cfg ServerConfig) (*server.Server, error) {
	host, portText, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("NATS listen address %q: want host:port, such as 127.0.0.1:4222", cfg.Addr)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("NATS listen address %q: port must be a number from 0 to 65535", cfg.Addr)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	opts := &server.Options{
		ServerName: "hubwire",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   filepath.Join(cfg.DataDir, "jetstream"),
		MaxPayload: cfg.MaxPayload,
		SyncAlways: cfg.SyncAlways,
		// hubwire handles signals itself and shuts the server down in order.
		NoSigs: true,
	}
	if err := authorize(opts, cfg); err != nil {
		return nil, err
	}
	if cfg.TLS != nil {
		opts.TLSConfig, opts.TLS, opts.TLSVerify = cfg.TLS, true, false
		opts.TLSTimeout = 2
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded NATS server: %w", err)
	}
	log := &serverLog{log: cfg.Logger.With("component", "nats-server"), fatal: make(chan string, 1),
		// hubwire's own password is random and kept in a 0600 file; the
		// server's advice to hash it concerns an operator's users only.
		quietPlaintext: cfg.ConfigFile == ""}
	srv.SetLoggerV2(log, false, false, false)
	go srv.Start()

	// Wait for the listener, or for the first fatal error (a port in use),
	// whichever comes first.
	deadline := time.Now().Add(30 * time.Second)
	for !srv.ReadyForConnections(50 * time.Millisecond) {
		select {
		case msg := <-log.fatal:
			srv.Shutdown()
			if strings.Contains(msg, "JetStream") {
				// The store, not the port: a data dir hubwire cannot
				// write, or one whose jetstream is not a directory.
				return nil, fmt.Errorf("embedded NATS server cannot keep its store in %s: %s (let hubwire's user write there, or choose another directory with --data-dir)", opts.StoreDir, msg)
			}
			return nil, fmt.Errorf("embedded NATS server on %s: %s (is another server using it? choose another with --nats-addr)", cfg.Addr, msg)
		default:
		}
		if time.Now().After(deadline) {
			srv.Shutdown()
			return nil, errors.New("embedded NATS server did not start within 30s")
		}
	}
	return srv, nil
}

// authorize sets the server's users: hubwire's own, and those of the
// operator's configuration file. There is always at least hubwire's, so
// the server always asks for credentials; AllowAnonymous makes hubwire's
// user the one a client without credentials is taken for.
func authorize(opts *server.Options, cfg ServerConfig) error {
	cfg.User = cmp.Or(cfg.User, DefaultUser)
	if cfg.Password == "" && !cfg.AllowAnonymous {
		return errors.New("the embedded NATS server needs a password for hubwire's user")
	}
	own := &server.User{Username: cfg.User, Password: cfg.Password}
	if cfg.ConfigFile != "" {
		users, err := OperatorUsers(cfg.ConfigFile, cfg.User, cfg.AllowAnonymous)
		if err != nil {
			return err
		}
		opts.Users, opts.Nkeys, opts.Accounts = users.Users, users.Nkeys, users.Accounts
		if users.Own != nil {
			// The file places hubwire's user (its account, permissions);
			// hubwire sets the password.
			own = users.Own
			own.Password = cfg.Password
		} else {
			opts.Users = append(opts.Users, own)
		}
		if users.NoAuthUser != "" {
			opts.NoAuthUser = users.NoAuthUser
		}
	} else {
		opts.Users = []*server.User{own}
	}
	if cfg.AllowAnonymous && opts.NoAuthUser == "" {
		opts.NoAuthUser = cfg.User
	}
	return nil
}

// Users are what an operator's nats-server configuration file says about
// who may connect.
type Users struct {
	Users    []*server.User
	Nkeys    []*server.NkeyUser
	Accounts []*server.Account
	// Own is the file's entry for hubwire's own user, if it has one.
	Own        *server.User
	NoAuthUser string
}

// OperatorUsers reads the users, nkeys and accounts of a nats-server
// configuration file (its authorization and accounts blocks; every other
// setting is hubwire's to make). With accounts, the file must list
// hubwire's user (own) in the account that is to hold the events, since
// only accounts with JetStream enabled can; hubwire sets its password.
func OperatorUsers(path, own string, allowAnonymous bool) (Users, error) {
	o, err := server.ProcessConfigFile(path)
	if err != nil {
		return Users{}, fmt.Errorf("--embedded-nats-config: %w", err)
	}
	switch {
	case len(o.TrustedOperators) > 0 || len(o.TrustedKeys) > 0:
		return Users{}, fmt.Errorf("--embedded-nats-config %s: operator (JWT) mode is not supported for the embedded server; run your own nats-server and point --broker at it", path)
	case o.Authorization != "":
		return Users{}, fmt.Errorf("--embedded-nats-config %s: an authorization token cannot be combined with hubwire's user; list users (or nkeys) instead", path)
	case o.NoAuthUser != "" && !allowAnonymous:
		return Users{}, fmt.Errorf("--embedded-nats-config %s sets no_auth_user %s, which lets clients in without credentials: remove it, or ask for that with --nats-allow-anonymous", path, o.NoAuthUser)
	}
	u := Users{Nkeys: o.Nkeys, Accounts: o.Accounts, NoAuthUser: o.NoAuthUser}
	if o.Username != "" {
		u.Users = append(u.Users, &server.User{Username: o.Username, Password: o.Password})
	}
	for _, user := range o.Users {
		if user.Username == own {
			u.Own = user
		}
		u.Users = append(u.Users, user)
	}
	if len(o.Accounts) > 0 && u.Own == nil {
		return Users{}, fmt.Errorf("--embedded-nats-config %s defines accounts: list hubwire's user %q in the account that is to hold the events (with jetstream enabled), as {user: %s, password: \"\"}; hubwire sets its password", path, own, own)
	}
	return u, nil
}

// ConnectInProcess connects to an embedded server without a socket, as
// hubwire's own user.
func ConnectInProcess(srv *server.Server, user, password string) (*natsgo.Conn, error) {
	opts := []natsgo.Option{natsgo.InProcessServer(srv)}
	if password != "" {
		opts = append(opts, natsgo.UserInfo(user, password))
	}
	return Connect("", opts...)
}

// serverLog sends the embedded server's log to slog, and its fatal errors
// to StartServer instead of exiting the process.
type serverLog struct {
	log            *slog.Logger
	fatal          chan string
	quietPlaintext bool
}

func (l *serverLog) Noticef(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l *serverLog) Warnf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	if l.quietPlaintext && strings.HasPrefix(msg, "Plaintext passwords detected") {
		l.log.Debug(msg)
		return
	}
	l.log.Warn(msg)
}
func (l *serverLog) Errorf(format string, v ...any) { l.log.Error(fmt.Sprintf(format, v...)) }
func (l *serverLog) Debugf(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l *serverLog) Tracef(format string, v ...any) {}
func (l *serverLog) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.log.Error(msg)
	select {
	case l.fatal <- msg:
	default:
	}
}
