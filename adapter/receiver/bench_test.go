package receiver_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/adapter/receiver"
	"github.com/hubwire/hubwire/schemas"
	natssink "github.com/hubwire/hubwire/sinks/nats"
	"github.com/hubwire/hubwire/sinks/store"
)

// BenchmarkHook is one DTR TAG_PULL delivery through the receiver as
// hubwire serve runs it: token check, body, decode, the publish to an
// embedded JetStream over the in-process connection and the 202, 64 at a
// time (as make bench's load). The HTTP server is left out (ServeHTTP is
// called directly, with a writer that keeps only the status), so that
// -benchmem counts the receiver's own allocations; each delivery is a new
// occurrence.
func BenchmarkHook(b *testing.B) {
	// At Warn, as make bench runs hubwire: no line per delivery.
	quiet := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := natssink.StartServer(natssink.ServerConfig{Addr: "127.0.0.1:0", DataDir: b.TempDir(), MaxPayload: 1 << 20, AllowAnonymous: true, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	nc, err := natssink.ConnectInProcess(srv, "", "")
	if err != nil {
		b.Fatal(err)
	}
	sink, err := natssink.New(context.Background(), nc, natssink.Config{Stream: natssink.StreamConfig{Name: "EVENTS", MaxAge: time.Hour, Duplicates: 2 * time.Minute}})
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	st, err := store.New(context.Background(), store.Config{Sink: sink, Timeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	recv, err := receiver.New(receiver.Config{Registries: all.Registries, SchemaBase: "http://x/schemas/", Store: st, Token: token,
		MaxBodyBytes: 1 << 20, Schemas: schemas.FS(), Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32) // 64 goroutines on two cores
	b.ResetTimer()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		w := &statusWriter{header: http.Header{}}
		for pb.Next() {
			i := n.Add(1)
			body := fmt.Appendf(nil, `{"type":"TAG_PULL","createdAt":"2026-12-02T10:00:00.%09dZ","contents":{"namespace":"team%d","repository":"service","tag":"latest","digest":"sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c","imageName":"team%d/service:latest","os":"linux","architecture":"amd64","author":"puller"}}`, i, i%50, i%50)
			req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/hooks/dtr/"+token, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr = "127.0.0.1:50000"
			clear(w.header)
			recv.ServeHTTP(w, req)
			if w.status != http.StatusAccepted {
				b.Fatalf("status %d", w.status)
			}
		}
	})
	// The process's CPU time per delivery says more than the wall time on
	// a machine shared with others.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}

// cpuTime is the CPU time the process used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// statusWriter is an http.ResponseWriter that keeps the status and drops
// the body.
type statusWriter struct {
	header http.Header
	status int
}

func (w *statusWriter) Header() http.Header         { return w.header }
func (w *statusWriter) WriteHeader(status int)      { w.status = status }
func (w *statusWriter) Write(p []byte) (int, error) { return len(p), nil }
