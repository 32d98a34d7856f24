package reply

import (
	"strings"
	"testing"
)

func TestParseAck(t *testing.T) {
	tests := []struct {
		name, body, subjectID, says string
	}{
		{"good", `{"event_id":"e1","consumer":"ci","state":"success","description":"387 tests PASSED","context":"Acme CI","target_url":"https://ci.acme.com/r/1"}`, "e1", ""},
		{"id from the subject", `{"consumer":"ci","state":"failure"}`, "e1", ""},
		{"255 characters of two bytes each", `{"consumer":"ci","state":"error","description":"` + strings.Repeat("é", 255) + `"}`, "e1", ""},
		{"100 characters of context", `{"consumer":"ci","state":"error","context":"` + strings.Repeat("ü", 100) + `"}`, "e1", ""},
		{"not JSON", `state=success`, "e1", "not a JSON object"},
		{"no consumer", `{"state":"success"}`, "e1", "consumer is required"},
		{"no event id", `{"consumer":"ci","state":"success"}`, "", "event_id is required"},
		{"other event", `{"event_id":"e2","consumer":"ci","state":"success"}`, "e1", `differs from the event id "e1"`},
		{"bad state", `{"consumer":"ci","state":"done"}`, "e1", `state "done": want success, failure or error`},
		{"long description", `{"consumer":"ci","state":"success","description":"` + strings.Repeat("x", 256) + `"}`, "e1", "description is 256 characters; at most 255"},
		{"long context", `{"consumer":"ci","state":"success","context":"` + strings.Repeat("é", 101) + `"}`, "e1", "context is 101 characters; at most 100"},
		{"relative target", `{"consumer":"ci","state":"success","target_url":"/results/1"}`, "e1", "want an absolute http(s) URL"},
		{"ftp target", `{"consumer":"ci","state":"success","target_url":"ftp://x/y"}`, "e1", "want an absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseAck([]byte(tt.body), tt.subjectID)
			if tt.says == "" {
				if err != nil || a.EventID != "e1" {
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
	f.Add([]byte(`{"event_id":"e1","consumer":"ci","state":"success","description":"ok"}`), "e1")
	f.Add([]byte(`[]`), "")
	f.Fuzz(func(t *testing.T, body []byte, id string) {
		a, err := ParseAck(body, id)
		if err == nil && a.Validate() != nil {
			t.Fatalf("accepted an invalid ack %+v", a)
		}
	})
}
