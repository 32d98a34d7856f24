package nats

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
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
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded NATS server: %w", err)
	}
	log := &serverLog{log: cfg.Logger.With("component", "nats-server"), fatal: make(chan string, 1)}
	srv.SetLoggerV2(log, false, false, false)
	go srv.Start()

	// Wait for the listener, or for the first fatal error (a port in use),
	// whichever comes first.
	deadline := time.Now().Add(30 * time.Second)
	for !srv.ReadyForConnections(50 * time.Millisecond) {
		select {
		case msg := <-log.fatal:
			srv.Shutdown()
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

// serverLog sends the embedded server's log to slog, and its fatal errors
// to StartServer instead of exiting the process.
type serverLog struct {
	log   *slog.Logger
	fatal chan string
}

func (l *serverLog) Noticef(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l *serverLog) Warnf(format string, v ...any)   { l.log.Warn(fmt.Sprintf(format, v...)) }
func (l *serverLog) Errorf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l *serverLog) Debugf(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l *serverLog) Tracef(format string, v ...any)  {}
func (l *serverLog) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.log.Error(msg)
	select {
	case l.fatal <- msg:
	default:
	}
}
