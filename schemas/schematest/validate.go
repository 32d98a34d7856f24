package schematest

import (
	"bytes"
	"fmt"
	"io/fs"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hubwire/hubwire/schemas"
)

// Validator checks event data against the schemas of package schemas.
type Validator struct {
	base    string
	schemas map[string]*jsonschema.Schema
}

// NewValidator compiles every schema of package schemas as if served under base
// (for example http://127.0.0.1:8080/schemas/), so that an event's
// dataschema URI names the schema that checks its data. Formats such as
// date-time are asserted, not just annotated.
func NewValidator(base string) (*Validator, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, name := range schemas.Names() {
		raw, err := fs.ReadFile(schemas.FS(), name+".json")
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		if err := c.AddResource(base+name+".json", doc); err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
	}
	v := &Validator{base: base, schemas: map[string]*jsonschema.Schema{}}
	for _, name := range schemas.Names() {
		s, err := c.Compile(base + name + ".json")
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		v.schemas[base+name+".json"] = s
	}
	return v, nil
}

// Validate checks data against the schema at uri, one of the URIs under the
// validator's base.
func (v *Validator) Validate(uri string, data []byte) error {
	s, ok := v.schemas[uri]
	if !ok {
		return fmt.Errorf("no schema at %s (schemas are served under %s)", uri, v.base)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("data is not JSON: %w", err)
	}
	if err := s.Validate(doc); err != nil {
		return fmt.Errorf("data does not match %s: %s", strings.TrimPrefix(uri, v.base), err)
	}
	return nil
}
