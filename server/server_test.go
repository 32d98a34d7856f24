package server_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/server"
	natssink "github.com/hubwire/hubwire/sinks/nats"
	"github.com/hubwire/hubwire/sinks/nats/natstest"
)

// TestServeEveryRegistry runs the runtime as hubwire serve does, outside
// main: every registry of the list is printed with its webhook URL, and a
// sample posted there is stored in the embedded stream.
func TestServeEveryRegistry(t *testing.T) {
	srv, err := server.New(server.Options{
		Registries: all.Registries,
		HTTPAddr:   "127.0.0.1:0",
		DataDir:    t.TempDir(),
		Broker: server.Broker{Kind: "embedded", NATSAddr: "127.0.0.1:0",
			Stream: natssink.StreamConfig{Name: "HUBWIRE_EVENTS", MaxAge: time.Hour, Duplicates: time.Minute, Replicas: 1}},
		Reply:          server.Reply{AckTimeout: time.Minute, AllowHosts: []string{"hub.docker.com"}, Attempts: 1, CallbackTimeout: time.Second},
		MaxBodyBytes:   1 << 20,
		PublishTimeout: 5 * time.Second,
		AllowedRate:    "*",
		ReadTimeout:    time.Minute, ReadHeaderTimeout: time.Minute, WriteTimeout: time.Minute, IdleTimeout: time.Minute,
		MaxHeaderBytes: 1 << 16,
		Version:        "test",
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })

	if err := srv.Ready(context.Background()); err != nil {
		t.Errorf("started but not ready: %v", err)
	}
	var banner strings.Builder
	srv.Describe(&banner, true)
	for _, reg := range all.Registries {
		url := srv.WebhookURL(reg.Name)
		if !strings.Contains(banner.String(), reg.Title+":") || !strings.Contains(banner.String(), url) {
			t.Errorf("the banner does not give %s's URL %s:\n%s", reg.Title, url, banner.String())
		}
		// A registry's line is its title and URL, then its hint if it has
		// one: the lines of those without stay as they were.
		if line := url + reg.WebhookHint + "\n"; !strings.Contains(banner.String(), line) {
			t.Errorf("the banner's line for %s does not end in %q:\n%s", reg.Title, line, banner.String())
		}
		d, err := reg.SampleDelivery("")
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, url+"?"+d.Query.Encode(), bytes.NewReader(d.Body))
		req.Header = d.Header
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Errorf("%s: %s", reg.Name, resp.Status)
		}
	}
	user, pw := srv.EmbeddedLogin()
	natstest.ReadStream(t, natstest.WithLogin(srv.EmbeddedURL(), user, pw), "HUBWIRE_EVENTS", len(all.Registries))
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if err := srv.Ready(context.Background()); err == nil {
		t.Error("ready after shutdown")
	}
}
