package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// floor is the least any broker-backed receiver can do: a bare net/http
// server that publishes each body as it came to an embedded JetStream (a
// file store, as hubwire's default), with one Nats-Msg-Id, waits for the
// PubAck and answers 202. No decode, no CloudEvent, no record. hubwire's
// throughput over the floor's is the share of the broker path it keeps;
// its ratio to the bare baseline mixes that with the broker's own cost.
func floor() {
	dir, err := os.MkdirTemp("", "hubwire-floor-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(dir)
	srv, err := server.NewServer(&server.Options{
		ServerName: "floor", Host: "127.0.0.1", Port: server.RANDOM_PORT, NoSigs: true,
		JetStream: true, StoreDir: filepath.Join(dir, "jetstream"),
	})
	if err != nil {
		fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		fatal(fmt.Errorf("the floor's nats-server did not start"))
	}
	defer srv.Shutdown()
	// In-process, as hubwire connects to its embedded server.
	nc, err := natsgo.Connect("", natsgo.InProcessServer(srv))
	if err != nil {
		fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{
		Name: "FLOOR", Subjects: []string{"floor.>"}, Storage: jetstream.FileStorage,
		MaxAge: 30 * 24 * time.Hour, Duplicates: 10 * time.Minute,
	})
	cancel()
	if err != nil {
		fatal(err)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		sum := sha256.Sum256(body)
		// One subject per registry, as hubwire's are per type.
		subject := "floor." + strings.ReplaceAll(strings.Trim(strings.TrimPrefix(r.URL.Path, "/hooks"), "/"), "/", ".")
		msg := &natsgo.Msg{Subject: subject, Data: body, Header: natsgo.Header{}}
		msg.Header.Set(jetstream.MsgIDHeader, hex.EncodeToString(sum[:16]))
		ack, err := js.PublishMsg(r.Context(), msg)
		if err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, `{"error":%q}`, err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, `{"seq":%d,"duplicate":%t}`, ack.Sequence, ack.Duplicate)
	})
	ln, err := listen()
	if err != nil {
		fatal(err)
	}
	fmt.Printf("floor listening on http://%s\n", ln.Addr())
	serveDebug()
	(&http.Server{Handler: traced(handler)}).Serve(ln)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "hubwire-bench floor:", err)
	os.Exit(1)
}
