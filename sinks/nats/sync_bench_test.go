package nats

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync/atomic"
	"testing"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// BenchmarkPublishSync publishes from 64 goroutines at once to a file
// store that fsyncs every two minutes and to one that fsyncs each write
// (--sync interval and always), each waiting for its PubAck, as 64
// concurrent deliveries do: whether nats-server groups the fsyncs of
// concurrent writes decides what --sync always costs.
//
//	go test ./sinks/nats -run '^$' -bench PublishSync -benchtime 3s
func BenchmarkPublishSync(b *testing.B) {
	for _, always := range []bool{false, true} {
		b.Run(fmt.Sprintf("always=%v", always), func(b *testing.B) {
			srv, err := StartServer(ServerConfig{Addr: "127.0.0.1:0", DataDir: b.TempDir(), SyncAlways: always, AllowAnonymous: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				b.Fatal(err)
			}
			defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
			nc, err := ConnectInProcess(srv, "", "")
			if err != nil {
				b.Fatal(err)
			}
			defer nc.Close()
			js, _ := jetstream.New(nc)
			ctx := context.Background()
			if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "SYNC", Subjects: []string{"sync.>"}, Storage: jetstream.FileStorage}); err != nil {
				b.Fatal(err)
			}
			body := make([]byte, 1500)
			var n atomic.Int64
			b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					msg := &natsgo.Msg{Subject: "sync.x", Data: body, Header: natsgo.Header{}}
					msg.Header.Set(jetstream.MsgIDHeader, fmt.Sprint(n.Add(1)))
					if _, err := js.PublishMsg(ctx, msg); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
