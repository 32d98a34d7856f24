package schemas_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/schemas/schematest"
)

// TestAckSchemaAgreesWithParseAck holds ack.json to what hubwire really
// checks: on each sample, as sent on hubwire.acks.<id> (or with <id> as the
// Kafka key), the schema and reply.ParseAck give the same verdict, except
// where a row says why they cannot.
func TestAckSchemaAgreesWithParseAck(t *testing.T) {
	v, err := schematest.NewValidator(base)
	if err != nil {
		t.Fatal(err)
	}
	const ok = `{"consumer":"ci","state":"success"`
	tests := []struct {
		name, body string
		accepted   bool
		// parseOnly is why ParseAck's verdict differs from the schema's,
		// a leniency of Go's decoder or a rule JSON Schema cannot state.
		parseOnly string
	}{
		{"everything", `{"event_id":"0123456789abcdef0123456789abcdef","consumer":"ci","state":"success","description":"387 tests PASSED","context":"Acme CI","target_url":"https://ci.acme.com/r/1"}`, true, ""},
		{"id from the subject", ok + `}`, true, ""},
		{"empty event id, filled from the subject", `{"event_id":"","consumer":"ci","state":"failure"}`, true, ""},
		{"state failure", `{"consumer":"ci","state":"failure"}`, true, ""},
		{"state error", `{"consumer":"ci","state":"error"}`, true, ""},
		{"unknown fields are ignored", ok + `,"build":42}`, true, ""},
		{"255 characters", ok + `,"description":"` + strings.Repeat("x", 255) + `"}`, true, ""},
		{"255 characters of two bytes each", ok + `,"description":"` + strings.Repeat("é", 255) + `"}`, true, ""},
		{"255 characters of four bytes each", ok + `,"description":"` + strings.Repeat("🚀", 255) + `"}`, true, ""},
		{"256 characters", ok + `,"description":"` + strings.Repeat("x", 256) + `"}`, false, ""},
		{"256 characters of two bytes each", ok + `,"description":"` + strings.Repeat("é", 256) + `"}`, false, ""},
		{"100 characters of context", ok + `,"context":"` + strings.Repeat("ü", 100) + `"}`, true, ""},
		{"101 characters of context", ok + `,"context":"` + strings.Repeat("ü", 101) + `"}`, false, ""},
		{"empty target URL", ok + `,"target_url":""}`, true, ""},
		{"http target", ok + `,"target_url":"http://ci.acme.com"}`, true, ""},
		{"upper-case scheme", ok + `,"target_url":"HTTPS://ci.acme.com/r?id=1#top"}`, true, ""},
		{"port only", ok + `,"target_url":"http://:8080/x"}`, true, ""},
		{"relative target", ok + `,"target_url":"/results/1"}`, false, ""},
		{"ftp target", ok + `,"target_url":"ftp://x/y"}`, false, ""},
		{"target without host", ok + `,"target_url":"https:///r/1"}`, false, ""},
		{"target with user but no host", ok + `,"target_url":"https://me@/r/1"}`, false, ""},
		{"target without slashes", ok + `,"target_url":"https:ci.acme.com"}`, false, ""},
		{"no consumer", `{"state":"success"}`, false, ""},
		{"empty consumer", `{"consumer":"","state":"success"}`, false, ""},
		{"no state", `{"consumer":"ci"}`, false, ""},
		{"unknown state", `{"consumer":"ci","state":"done"}`, false, ""},
		{"state in capitals", `{"consumer":"ci","state":"SUCCESS"}`, false, ""},
		{"consumer a number", `{"consumer":7,"state":"success"}`, false, ""},
		{"description a number", ok + `,"description":7}`, false, ""},
		{"not JSON", `state=success`, false, ""},
		{"an array", `[]`, false, ""},
		{"null", `null`, false, ""},
		{"not a hubwire id", `{"event_id":"build-42","consumer":"ci","state":"success"}`, false, ""},
		{"other event", `{"event_id":"fedcba9876543210fedcba9876543210","consumer":"ci","state":"success"}`, false, "the id must equal the subject's, which the body does not hold"},
		{"null description", ok + `,"description":null}`, true, "Go decodes null into an empty string; the contract asks for a string"},
		{"field names in capitals", `{"Consumer":"ci","State":"success"}`, true, "Go matches field names without regard to case; the contract names them in lower case"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, parseErr := reply.ParseAck([]byte(tt.body), "0123456789abcdef0123456789abcdef")
			schemaErr := v.Validate(base+"ack.json", []byte(tt.body))
			parsed := parseErr == nil
			if parsed != tt.accepted {
				t.Errorf("ParseAck accepted=%v, want %v: %v", parsed, tt.accepted, parseErr)
			}
			schemaOK := schemaErr == nil
			wantSchema := tt.accepted
			if tt.parseOnly != "" {
				wantSchema = !tt.accepted
			}
			if schemaOK != wantSchema {
				t.Errorf("ack.json accepted=%v, want %v: %v", schemaOK, wantSchema, schemaErr)
			}
		})
	}
}

// TestAckWithoutAnyEventID shows the one rule that depends on the
// transport: with no id in the subject or key, the body must name the
// event. The schema leaves event_id optional because both transports
// carry the id (the subject hubwire.acks.<id>, the Kafka key).
func TestAckWithoutAnyEventID(t *testing.T) {
	if _, err := reply.ParseAck([]byte(`{"consumer":"ci","state":"success"}`), ""); err == nil || !strings.Contains(err.Error(), "event_id is required") {
		t.Errorf("an ack naming no event anywhere: %v", err)
	}
	if _, err := reply.ParseAck([]byte(`{"event_id":"0123456789abcdef0123456789abcdef","consumer":"ci","state":"success"}`), ""); err != nil {
		t.Errorf("an ack naming its event in the body only: %v", err)
	}
}

// TestAckReplySchema checks that what hubwire answers to an ack request
// matches ack.json#/$defs/reply.
func TestAckReplySchema(t *testing.T) {
	c := compiler(t)
	for _, r := range []reply.AckReply{
		{Accepted: true, EventID: "0123456789abcdef0123456789abcdef"},
		{Accepted: false, EventID: "0123456789abcdef0123456789abcdef", Error: `event_id "build-42" is not a hubwire event id: 32 lowercase hexadecimal digits, the event's id attribute`},
		{Accepted: false, Error: "consumer is required"},
	} {
		validate(t, c, base+"ack.json#/$defs/reply", mustJSON(t, marshal(t, r)), "reply")
	}
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
