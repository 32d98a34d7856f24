package natstest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Broker is a nats-server with JetStream on a loopback port that a test
// can stop and start again on the same port and store, as an operator
// restarting it would. It is stopped when the test ends.
type Broker struct {
	t    testing.TB
	opts server.Options
	mu   sync.Mutex
	srv  *server.Server
}

// StartBroker starts a Broker on a free port.
func StartBroker(t testing.TB) *Broker {
	t.Helper()
	b := &Broker{t: t, opts: server.Options{
		Host: "127.0.0.1", Port: freePorts(t, 1)[0], JetStream: true,
		StoreDir: t.TempDir(), NoLog: true, NoSigs: true,
	}}
	b.Start()
	t.Cleanup(b.Stop)
	return b
}

// URL is where clients connect.
func (b *Broker) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", b.opts.Port) }

// Start starts the server again after Stop; the store is as Stop left it.
func (b *Broker) Start() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.srv != nil {
		return
	}
	opts := b.opts
	srv, err := server.NewServer(&opts)
	if err != nil {
		b.t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(20 * time.Second) {
		b.t.Fatalf("nats-server on %s did not start", b.URL())
	}
	b.srv = srv
}

// Stop shuts the server down, closing every client connection.
func (b *Broker) Stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.srv == nil {
		return
	}
	b.srv.Shutdown()
	b.srv.WaitForShutdown()
	b.srv = nil
}
