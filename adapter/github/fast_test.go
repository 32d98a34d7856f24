package github

import (
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
	`{"action":"published","package":{"name":"api","package_type":"CONTAINER","updated_at":"2024-01-01T00:00:00Z","owner":{"login":"Acme"},"package_version":{"version":"sha256:1","package_url":"ghcr.io/acme/api:1","container_metadata":{"tag":{"name":"1","digest":"sha256:1"},"manifest":{"digest":"sha256:2","media_type":"application/vnd.oci.image.index.v1+json"}}}},"sender":{"login":"bot"}}`,
	`{"action":"published","package":null,"registry_package":{"name":"api","owner":{"login":"acme"},"updated_at":"2024-01-01T00:00:00Z"}}`,
	`{"action":"published","package":{"name":"api","owner":null,"updated_at":"2024-01-01T00:00:00Z"}}`,
	`{"action":"published","package":{"name":"api","owner":{"login":1},"updated_at":"2024-01-01T00:00:00Z"}}`,
	`{"action":"published","package":{"name":"api","owner":{"login":"a"},"updated_at":"2024-01-01T00:00:00Z","package_version":[]}}`,
	`{"action":"published","package":{"name":"api","owner":{"login":"a"},"updated_at":"2024-01-01T00:00:00Z","package_version":{"container_metadata":{"tag":null,"manifest":"x"}}}}`,
	`{"action":"published","package":{"name":"api","owner":{"login":"a"},"updated_at":"2024-01-01T00:00:00Z","package_version":{"container_metadata":{"tag":{"name":2}}}}}`,
	`{"action":"published","package":{"name":"api","owner":{"login":"a"},"updated_at":"2024-01-01T00:00:00Z"},"sender":"x"}`,
	`{"action":1,"package":{}}`,
	`{"action":"published","package":"x"}`,
	`{"action":"published","PACKAGE":{"name":"evil"},"package":{"name":"api","owner":{"login":"a","LOGIN":"b"},"updated_at":"2024-01-01T00:00:00Z"}}`,
	`{"zen":"Keep it logically awesome.","hook_id":1}`,
	`{"action":"published","package":{"name":"api","name":"b"}}`,
	`{"action":"published","package":{"name":"api","package_type":"npm","owner":{"login":"a"},"updated_at":"2024-01-01T00:00:00Z"}}`,
}

// TestFastAsSlow holds the hand-written decoding to adapter.DecodeJSON's
// on every sample and the edges above, under each event name.
func TestFastAsSlow(t *testing.T) {
	fast, slow := New(schemaBase), slowSource()
	for _, name := range Registry.SampleNames() {
		d, err := Registry.SampleDelivery(name)
		if err != nil {
			t.Fatal(err)
		}
		adaptertest.SameAnswer(t, fast, slow, d)
	}
	for _, body := range fastCases {
		for _, event := range []string{"", eventPackage, eventRegistryPackage} {
			adaptertest.SameAnswer(t, fast, slow, adapter.Delivery{Header: http.Header{"X-Github-Event": {event}}, Body: []byte(body)})
		}
	}
}

// TestFastTakesTheSamples: the hand-written way reads every JSON sample.
func TestFastTakesTheSamples(t *testing.T) {
	for _, name := range Registry.SampleNames() {
		d, _ := Registry.SampleDelivery(name)
		if isForm(d.Header.Get("Content-Type")) {
			continue
		}
		if _, ok := New(schemaBase).decodeDelivery(d.Body, new(delivery)); !ok {
			t.Errorf("%s went the slow way", name)
		}
	}
}

// FuzzFastAsSlow is TestFastAsSlow on the fuzzer's bodies.
func FuzzFastAsSlow(f *testing.F) {
	for _, name := range Registry.SampleNames() {
		d, _ := Registry.SampleDelivery(name)
		f.Add(d.Body)
	}
	for _, body := range fastCases {
		f.Add([]byte(body))
	}
	fast, slow := New(schemaBase), slowSource()
	f.Fuzz(func(t *testing.T, body []byte) {
		adaptertest.SameAnswer(t, fast, slow, adapter.Delivery{Header: http.Header{"X-Github-Event": {eventPackage}}, Body: body})
	})
}
