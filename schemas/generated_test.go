package schemas_test

import (
	"bytes"
	"io/fs"
	"testing"

	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/schemas"
	"github.com/hubwire/hubwire/schemas/asyncapigen"
)

// TestAsyncAPIIsGenerated fails when the committed AsyncAPI document is
// not what the generator makes from the list of registries, so that a
// registry added to or changed in adapter/all cannot leave the document
// behind, and a hand edit cannot be lost at the next regeneration.
func TestAsyncAPIIsGenerated(t *testing.T) {
	want, err := asyncapigen.Generate(all.Registries)
	if err != nil {
		t.Fatalf("generating %s: %v", schemas.AsyncAPIFile, err)
	}
	got, err := fs.ReadFile(schemas.FS(), schemas.AsyncAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got, want) {
		return
	}
	line, committed, generated := firstDifference(got, want)
	t.Errorf("schemas/%s is stale: it is not what schemas/asyncapigen makes from adapter/all.Registries.\n"+
		"Regenerate it with `make asyncapi` (or `go generate ./schemas`) and commit it; change the document in schemas/asyncapigen, not by hand.\n"+
		"First difference, line %d:\n  committed: %s\n  generated: %s", schemas.AsyncAPIFile, line, committed, generated)
}

// firstDifference returns the number of the first line where a and b
// differ, and that line of each.
func firstDifference(a, b []byte) (int, string, string) {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := 0; ; i++ {
		var x, y []byte
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if !bytes.Equal(x, y) || i >= len(la) || i >= len(lb) {
			return i + 1, string(bytes.TrimSpace(x)), string(bytes.TrimSpace(y))
		}
	}
}
