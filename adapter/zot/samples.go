package zot

import (
	"embed"
	"fmt"
	"net/http"
	"time"
)

// Samples holds realistic deliveries, one file each, for tests and for
// trying a setup end to end: the data of zot's binary-mode CloudEvents,
// whose headers sampleRequest gives.
//
//go:embed samples/*.json
var Samples embed.FS

// freshen leaves the body as it is: zot says when it happened in the
// ce-time header, which freshenHeader sets.
func freshen(body []byte, _ time.Time) []byte { return body }

// freshenHeader sets ce-time to now and gives the event a new ce-id: the
// event id is made from the time, so each freshened send is a new event.
func freshenHeader(h http.Header, now time.Time) {
	if h.Get("Ce-Specversion") == "" {
		return
	}
	n := now.UnixNano()
	h.Set("Ce-Time", now.UTC().Format(time.RFC3339Nano))
	h.Set("Ce-Id", fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", uint32(n>>32), uint16(n>>16), uint16(n)&0xfff, 0x8000|uint16(n>>48)&0x3fff, n&0xffffffffffff))
}
