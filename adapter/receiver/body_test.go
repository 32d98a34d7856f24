package receiver_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/sinks/nats/natstest"
)

// A body that ends before its Content-Length is answered 400 and stored
// nowhere; one sent chunked (no Content-Length) is read whole and stored.
func TestBodyShorterThanItsLength(t *testing.T) {
	ts, srv := serveReceiver(t, 1<<20, nil)
	c, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	body := tagPush[:len(tagPush)/2]
	fmt.Fprintf(c, "POST /hooks/dtr/%s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", token, len(tagPush), body)
	c.(*net.TCPConn).CloseWrite()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(answer), "reading body: unexpected EOF") {
		t.Errorf("a body cut short of its Content-Length: %d %s, want 400 saying the body could not be read", resp.StatusCode, answer)
	}
	natstest.ReadStream(t, srv.ClientURL(), "EVENTS", 0) // nothing stored

	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/hooks/dtr/"+token, io.MultiReader(strings.NewReader(tagPush[:10]), strings.NewReader(tagPush[10:])))
	req.Header.Set("Content-Type", "application/json")
	if req.ContentLength != 0 {
		t.Fatalf("request has Content-Length %d, want it sent chunked", req.ContentLength)
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("a chunked body: %d %s, want 202", resp.StatusCode, answer)
	}
	natstest.ReadStream(t, srv.ClientURL(), "EVENTS", 1)
}
