package reply

import (
	"strings"
	"testing"
)

func TestParseAck(t *testing.T) {
	tests := []struct {
		name, body, subjectID, says string
	}{
		{"good", `{"event_id":"0123456789abcdef0123456789abcdef","consumer":"ci","state":"success","description":"387 tests PASSED","context":"Acme CI","target_url":"https://ci.acme.com/r/1"}`, "0123456789abcdef0123456789abcdef", ""},
		{"id from the subject", `{"consumer":"ci","state":"failure"}`, "0123456789abcdef0123456789abcdef", ""},
		{"255 characters of two bytes each", `{"consumer":"ci","state":"error","description":"` + strings.Repeat("é", 255) + `"}`, "0123456789abcdef0123456789abcdef", ""},
		{"100 characters of context", `{"consumer":"ci","state":"error","context":"` + strings.Repeat("ü", 100) + `"}`, "0123456789abcdef0123456789abcdef", ""},
		{"not JSON", `state=success`, "0123456789abcdef0123456789abcdef", "not a JSON object"},
		{"no consumer", `{"state":"success"}`, "0123456789abcdef0123456789abcdef", "consumer is required"},
		{"no event id", `{"consumer":"ci","state":"success"}`, "", "event_id is required"},
		{"not a hubwire id", `{"consumer":"ci","state":"success"}`, "build-42", `event_id "build-42" is not a hubwire event id`},
		{"id in capitals", `{"consumer":"ci","state":"success"}`, "0123456789ABCDEF0123456789ABCDEF", "is not a hubwire event id"},
		{"id one digit short", `{"consumer":"ci","state":"success"}`, "0123456789abcdef0123456789abcde", "is not a hubwire event id"},
		{"other event", `{"event_id":"fedcba9876543210fedcba9876543210","consumer":"ci","state":"success"}`, "0123456789abcdef0123456789abcdef", `differs from the event id "0123456789abcdef0123456789abcdef"`},
		{"bad state", `{"consumer":"ci","state":"done"}`, "0123456789abcdef0123456789abcdef", `state "done": want success, failure or error`},
		{"long description", `{"consumer":"ci","state":"success","description":"` + strings.Repeat("x", 256) + `"}`, "0123456789abcdef0123456789abcdef", "description is 256 characters; at most 255"},
		{"long context", `{"consumer":"ci","state":"success","context":"` + strings.Repeat("é", 101) + `"}`, "0123456789abcdef0123456789abcdef", "context is 101 characters; at most 100"},
		{"relative target", `{"consumer":"ci","state":"success","target_url":"/results/1"}`, "0123456789abcdef0123456789abcdef", "want an absolute http(s) URL"},
		{"ftp target", `{"consumer":"ci","state":"success","target_url":"ftp://x/y"}`, "0123456789abcdef0123456789abcdef", "want an absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseAck([]byte(tt.body), tt.subjectID)
			if tt.says == "" {
				if err != nil || a.EventID != "0123456789abcdef0123456789abcdef" {
					t.Errorf("refused: %v (%+v)", err, a)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("got %v, want %q", err, tt.says)
			}
		})
	}
}

func FuzzParseAck(f *testing.F) {
	f.Add([]byte(`{"event_id":"0123456789abcdef0123456789abcdef","consumer":"ci","state":"success","description":"ok"}`), "0123456789abcdef0123456789abcdef")
	f.Add([]byte(`[]`), "")
	f.Fuzz(func(t *testing.T, body []byte, id string) {
		a, err := ParseAck(body, id)
		if err == nil && a.Validate() != nil {
			t.Fatalf("accepted an invalid ack %+v", a)
		}
	})
}
