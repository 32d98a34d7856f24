package schematest

// Refs calls f with the value of every "$ref" in a decoded JSON document
// (maps, slices and values as encoding/json or jsonschema.UnmarshalJSON
// produce them): the references a client of a schema or of the AsyncAPI
// document has to resolve.
func Refs(doc any, f func(ref string)) {
	switch v := doc.(type) {
	case map[string]any:
		for k, e := range v {
			if s, ok := e.(string); ok && k == "$ref" {
				f(s)
				continue
			}
			Refs(e, f)
		}
	case []any:
		for _, e := range v {
			Refs(e, f)
		}
	}
}
