package schematest

import (
	"strings"
	"testing"

	"github.com/hubwire/hubwire/schemas"
)

const base = "http://hubwire.test/schemas/"

func TestEverySchemaCompiles(t *testing.T) {
	v, err := NewValidator(base)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.schemas) != len(schemas.Names()) || len(schemas.Names()) < 18 {
		t.Errorf("compiled %d of %d schemas", len(v.schemas), len(schemas.Names()))
	}
}

func TestValidatorRejects(t *testing.T) {
	v, err := NewValidator(base)
	if err != nil {
		t.Fatal(err)
	}
	good := `{"registry":"dtr","repository":"a/b","namespace":"a","name":"b","action":"tag.push","occurred_at":"2024-01-01T00:00:00Z",
	          "payload":{"type":"TAG_PUSH","createdAt":"2024-01-01T00:00:00Z","contents":{}}}`
	if err := v.Validate(base+"dtr.tag.push.json", []byte(good)); err != nil {
		t.Fatalf("good data refused: %v", err)
	}
	tests := []struct{ name, schema, data, says string }{
		{"wrong action", "dtr.tag.push", strings.Replace(good, `"tag.push"`, `"tag.pull"`, 1), "action"},
		{"unknown field", "dtr.tag.push", strings.Replace(good, `"name":"b"`, `"name":"b","extra":1`, 1), "extra"},
		{"no repository", "dtr.tag.push", strings.Replace(good, `"repository":"a/b",`, ``, 1), "repository"},
		{"bad time", "dtr.tag.push", strings.Replace(good, `"occurred_at":"2024-01-01T00:00:00Z"`, `"occurred_at":"yesterday"`, 1), "date-time"},
		{"scanner without scanner", "dtr.scanner.updated", strings.Replace(good, `"tag.push"`, `"scanner.updated"`, 1), "scanner"},
		{"hub data under a dtr schema", "dtr.tag.push", strings.Replace(good, `"registry":"dtr"`, `"registry":"dockerhub"`, 1), "registry"},
		{"hub payload with callback_url", "dockerhub.push", `{"registry":"dockerhub","repository":"a/b","namespace":"a","name":"b","action":"push","occurred_at":"2024-01-01T00:00:00Z",
		  "payload":{"push_data":{"pushed_at":1},"repository":{},"callback_url":"https://x"}}`, "callback_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := v.Validate(base+tt.schema+".json", []byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("want an error mentioning %q, got %v", tt.says, err)
			}
		})
	}
	if err := v.Validate(base+"nope.json", []byte(good)); err == nil {
		t.Error("validated against a schema that does not exist")
	}
}
