package dtr

import (
	"io/fs"
	"testing"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/adaptertest"
)

// slowSource decodes every delivery through adapter.DecodeJSON, as
// before decodeEnvelope.
func slowSource() *Source {
	s := New(schemaBase)
	s.slow = true
	return s
}

// fastCases are bodies that take the hand-written way or leave it at its
// edges: nulls where objects go, numbers in strings, escapes, keys in
// capitals, members of the wrong type, a key twice.
var fastCases = []string{
	`{"type":"TAG_PULL","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","tag":"1"}}`,
	`{"type":"TAG_PULL","createdAt":"2024-01-01T00:00:00Z","contents":null}`,
	`{"type":null,"createdAt":"2024-01-01T00:00:00Z","contents":{}}`,
	`{"type":"TAG_PULL","createdAt":"2024-01-01T00:00:00Z","contents":[1]}`,
	`{"type":"TAG_PULL","createdAt":"2024-01-01T00:00:00Z","contents":"x"}`,
	`{"type":"TAG_PULL","createdAt":1,"contents":{"namespace":"a","repository":"b"}}`,
	`{"type":"TAG_PULL","createdAt":"2024-01-01T00:00:00Z","location":{},"contents":{"namespace":"a","repository":"b"}}`,
	`{"type":"TAG_P\u0055LL","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a\"b","repository":"\ud800","tag":"<&>"}}`,
	`{"type":"TAG_PULL","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","tag":1}}`,
	`{"type":"TAG_PULL","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","NAMESPACE":"evil","Tag":"x"},"TYPE":"TAG_PUSH"}`,
	`{"type":"TAG_PULL","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","namespace":"c"}}`,
	`{"type":"TAG_PULL","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b"},"type":"TAG_PUSH"}`,
	`{"type":"TAG_PULL","createdAt":"2024-01-01T00:00:00Z","contents":{"namesp\u0061ce":"a","repository":"b"}}`,
	`{"type":"SCAN_COMPLETED","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","scanSummary":{"critical":"3","major":1e2,"minor":null,"last_scan_status":"x"}}}`,
	`{"type":"SCAN_COMPLETED","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","scanSummary":{"critical":2,"last_scan_status":6,"check_completed_at":null}}}`,
	`{"type":"SCAN_COMPLETED","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","scanSummary":null}}`,
	`{"type":"SCAN_COMPLETED","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","scanSummary":[]}}`,
	`{"type":"SCAN_FAILED","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","error":{"code":1}}}`,
	`{"type":"SCAN_FAILED","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","error":null}}`,
	`{"type":"SCANNER_UPDATE_COMPLETED","createdAt":"2024-01-01T00:00:00Z","contents":{"scanner_version":3,"db_version":"245","success":false}}`,
	`{"type":"SCANNER_UPDATE_COMPLETED","createdAt":"2024-01-01T00:00:00Z","contents":{"scanner_version":true,"success":null}}`,
	`{"type":"SCANNER_UPDATE_COMPLETED","createdAt":"2024-01-01T00:00:00Z","contents":{"success":"yes"}}`,
	`{"type":"REPO_EVENT","createdAt":"2024-01-01T00:00:00Z","contents":{"event":"REPO_CREATED","namespace":"a","repository":"b"}}`,
	" \t\n{\"type\" : \"TAG_PULL\" ,\r\n \"createdAt\":\"2024-01-01T00:00:00Z\",\"contents\":{ } } \n",
	`{"type":"TAG_PULL","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b"}} x`,
	"{\"type\":\"TAG_PULL\",\"createdAt\":\"2024-01-01T00:00:00Z\",\"contents\":{\"namespace\":\"a\xff\",\"repository\":\"b\"}}",
	`{"type":"TAG_PULL","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","x":[01]}}`,
	`{"type":"TAG_PULL","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","x":[1,]}}`,
	`{"type":"TAG_PULL","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","x":-}}`,
	`{"type":"TAG_PULL","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","x":"\x01"}}`,
	`{"type":"TAG_PULL","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","x":"\q"}}`,
	`{"type":"TAG_PULL","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","x":truex}}`,
	`[]`, `null`, ``, `{}`, `{"a":1,}`, `{"a" 1}`, `{,}`,
}

// TestFastAsSlow holds the hand-written decoding to adapter.DecodeJSON's
// on every sample and the edges above: the same events, byte for byte, or
// the same error.
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

// TestFastTakesTheSamples: the hand-written way decodes every sample
// itself, not through DecodeJSON.
func TestFastTakesTheSamples(t *testing.T) {
	entries, _ := fs.ReadDir(Samples, "samples")
	for _, e := range entries {
		var env envelope
		if _, _, ok := New(schemaBase).decodeEnvelope(adaptertest.Sample(t, Samples, e.Name()), &env); !ok {
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
