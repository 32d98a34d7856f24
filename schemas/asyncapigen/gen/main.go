// Command gen writes the AsyncAPI document of the registries hubwire
// serves (adapter/all) to a file. go generate runs it in schemas/ (see
// schemas.go); make asyncapi runs go generate.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/schemas/asyncapigen"
)

func main() {
	out := flag.String("o", "asyncapi.json", "the file to write")
	flag.Parse()
	doc, err := asyncapigen.Generate(all.Registries)
	if err == nil {
		err = os.WriteFile(*out, doc, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "asyncapigen:", err)
		os.Exit(1)
	}
}
