package distribution

import (
	"io/fs"
	"net/http"
	"testing"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/adaptertest"
)

// slowSource decodes every delivery through adapter.DecodeJSON, as
// before the hand-written reading.
func slowSource() *Source {
	s := New(schemaBase)
	s.slow = true
	return s
}

// fastCases take the hand-written way or leave it at its edges.
var fastCases = []string{
	`{"events":null}`,
	`{"events":[]}`,
	`{"events":{}}`,
	`{"events":[null]}`,
	`{"events":[1,{"action":"push"}]}`,
	`{"events":[{"id":"a","timestamp":"2024-01-01T00:00:00Z","action":"push","target":{"repository":"r","mediaType":"application/vnd.oci.image.manifest.v1+json","tag":"1"},"request":null,"actor":null,"source":null}]}`,
	`{"events":[{"id":"a","timestamp":"2024-01-01T00:00:00Z","action":"push","target":null}]}`,
	`{"events":[{"id":"a","timestamp":"2024-01-01T00:00:00Z","action":"push","target":[]}]}`,
	`{"events":[{"id":"a","timestamp":"2024-01-01T00:00:00Z","action":"push","target":{"repository":"r"},"request":[]}]}`,
	`{"events":[{"id":"a","timestamp":"2024-01-01T00:00:00Z","action":"push","target":{"repository":"r"},"actor":{"name":1}}]}`,
	`{"events":[{"id":"a","timestamp":"2024-01-01T00:00:00Z","action":"push","target":{"repository":"r"},"source":{"addr":"h:1","instanceID":2}}]}`,
	`{"events":[{"id":1,"timestamp":"2024-01-01T00:00:00Z","action":"push","target":{"repository":"r"}}]}`,
	`{"events":[{"id":"a","timestamp":"2024-01-01T00:00:00Z","action":"PUSH","target":{"repository":"r\u00e9","Tag":"x","url":"http://h.example/v2/r/blobs/x"},"request":{"host":"h.example:5000","method":"PUT","useragent":"d"}}]}`,
	`{"events":[{"id":"a","id":"b"}]}`,
	`{"events":[{"id":"a"}],"events":[]}`,
	`{"EVENTS":[{"id":"a"}]}`,
	` { "events" : [ { "id" : "a" , "timestamp" : "2024-01-01T00:00:00Z" , "action" : "pull" , "target" : { "repository" : "r" , "digest" : "sha256:1" } } , {} ] } `,
	`{"events":[{"id":"a","timestamp":"2024-01-01T00:00:00Z","action":"push","target":{"repository":"r","tag":1}},{"id":"b","timestamp":"2024-01-01T00:00:00Z","action":"push","target":{"repository":"r","tag":"2"}}]}`,
}

// TestFastAsSlow holds the hand-written decoding to adapter.DecodeJSON's
// on every sample and the edges above.
func TestFastAsSlow(t *testing.T) {
	fast, slow := New(schemaBase), slowSource()
	entries, _ := fs.ReadDir(Samples, "samples")
	for _, e := range entries {
		adaptertest.SameAnswer(t, fast, slow, adapter.Delivery{Header: http.Header{}, Body: adaptertest.Sample(t, Samples, e.Name())})
	}
	for _, body := range fastCases {
		adaptertest.SameAnswer(t, fast, slow, adapter.Delivery{Header: http.Header{}, Body: []byte(body)})
	}
}

// TestFastTakesTheSamples: the hand-written way reads every sample.
func TestFastTakesTheSamples(t *testing.T) {
	entries, _ := fs.ReadDir(Samples, "samples")
	for _, e := range entries {
		var env envelope
		if _, ok := New(schemaBase).decodeEnvelope(adaptertest.Sample(t, Samples, e.Name()), &env); !ok {
			t.Errorf("%s went the slow way", e.Name())
		}
		for i, raw := range env.Events {
			if _, ok := New(schemaBase).decodeElement(raw, new(element)); !ok {
				t.Errorf("%s element %d went the slow way", e.Name(), i)
			}
		}
	}
}

// FuzzFastAsSlow is TestFastAsSlow on the fuzzer's bodies.
func FuzzFastAsSlow(f *testing.F) {
	entries, _ := fs.ReadDir(Samples, "samples")
	for _, e := range entries {
		f.Add(adaptertest.Sample(f, Samples, e.Name()))
	}
	for _, body := range fastCases {
		f.Add([]byte(body))
	}
	fast, slow := New(schemaBase), slowSource()
	f.Fuzz(func(t *testing.T, body []byte) {
		adaptertest.SameAnswer(t, fast, slow, adapter.Delivery{Header: http.Header{}, Body: body})
	})
}
