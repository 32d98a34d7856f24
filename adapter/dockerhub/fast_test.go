package dockerhub

import (
	"io/fs"
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
	`{"callback_url":"https://example.invalid/x/","push_data":{"pushed_at":1700000000,"images":[],"tag":"v1","pusher":"ci"},"repository":{"repo_name":"acme/api","is_private":true,"repo_url":"https://hub.docker.com/r/acme/api"}}`,
	`{"push_data":{"pushed_at":1.417566161e+09,"images":["a","b",null],"pusher":"ci"},"repository":{"namespace":"acme","name":"api","is_private":null}}`,
	`{"push_data":{"pushed_at":"1700000000","images":null},"repository":{"repo_name":"nginx"}}`,
	`{"push_data":{"pushed_at":1700000000,"images":[1]},"repository":{"repo_name":"nginx"}}`,
	`{"push_data":{"pushed_at":1700000000,"images":"x"},"repository":{"repo_name":"nginx"}}`,
	`{"push_data":{"pushed_at":true},"repository":{"repo_name":"nginx"}}`,
	`{"push_data":{"pushed_at":1700000000},"repository":{"repo_name":"nginx","is_private":"yes"}}`,
	`{"push_data":{"pushed_at":1700000000},"repository":{"repo_name":1}}`,
	`{"push_data":null,"repository":{"repo_name":"nginx"}}`,
	`{"push_data":[],"repository":{"repo_name":"nginx"}}`,
	`{"push_data":{"pushed_at":1700000000},"repository":null}`,
	`{"push_data":{"pushed_at":1700000000},"repository":"x"}`,
	`{"callback_url":1,"push_data":{"pushed_at":1700000000},"repository":{"repo_name":"nginx"}}`,
	`{"CALLBACK_URL":"https://evil.invalid/","Callback_Url":"https://evil.invalid/","push_data":{"pushed_at":1700000000,"TAG":"x"},"repository":{"repo_name":"a/b"}}`,
	`{"callback_url":"https://example.invalid/\u0078/","push_data":{"pushed_at":1700000000},"repository":{"repo_name":"a\/b"}}`,
	`{"push_data":{"pushed_at":1700000000},"repository":{"repo_name":"a/b","repo_name":"c/d"}}`,
}

// TestFastAsSlow holds the hand-written decoding to adapter.DecodeJSON's
// on every sample and the edges above.
func TestFastAsSlow(t *testing.T) {
	fast, slow := New(schemaBase), slowSource()
	entries, _ := fs.ReadDir(Samples, "samples")
	for _, e := range entries {
		adaptertest.SameAnswer(t, fast, slow, adapter.Delivery{Body: adaptertest.Sample(t, Samples, e.Name())})
	}
	for _, body := range fastCases {
		adaptertest.SameAnswer(t, fast, slow, adapter.Delivery{Body: []byte(body)})
	}
}

// TestFastTakesTheSamples: the hand-written way reads every sample.
func TestFastTakesTheSamples(t *testing.T) {
	entries, _ := fs.ReadDir(Samples, "samples")
	for _, e := range entries {
		if _, ok := New(schemaBase).decodeDelivery(adaptertest.Sample(t, Samples, e.Name()), new(delivery)); !ok {
			t.Errorf("%s went the slow way", e.Name())
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
		adaptertest.SameAnswer(t, fast, slow, adapter.Delivery{Body: body})
	})
}
