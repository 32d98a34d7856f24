// Package schematest is for tests only: it checks event data against the
// JSON Schemas of package schemas (Validator) and walks the references of
// a decoded schema or AsyncAPI document (Refs). It is kept apart from
// package schemas so that the JSON Schema compiler it uses is not linked
// into the hubwire binary; nothing but _test.go files may import it.
package schematest
