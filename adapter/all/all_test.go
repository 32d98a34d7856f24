package all_test

import (
	"encoding/json"
	"io/fs"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/schemas"
)

const base = "http://hubwire.invalid/schemas/"

// TestEveryTypeAsListed decodes every sample of every registry and holds
// the list to what the decoder makes: each event's type is listed, with
// the subject kind, action and schema the event carries; each listed type
// has its sample, its schema and a summary, and its envelope (if any) is
// one of the registry's aliases; names are unique across registries.
func TestEveryTypeAsListed(t *testing.T) {
	types := map[string]string{}
	for _, reg := range all.Registries {
		if _, dup := all.Registries.Get(reg.Name); !dup || reg.Title == "" || reg.New == nil || reg.Freshen == nil {
			t.Errorf("%s: incomplete registry: %+v", reg.Name, reg)
		}
		dec := reg.New(base)
		made := map[string]bool{}
		for _, f := range reg.SampleNames() {
			delivery, err := reg.SampleDelivery(f)
			if err != nil {
				t.Fatal(err)
			}
			events, err := dec.Decode(delivery)
			if err != nil {
				t.Errorf("%s %s: %v", reg.Name, f, err)
				continue
			}
			for _, d := range events {
				typ, ok := reg.Type(d.Event.Type())
				if !ok {
					t.Errorf("%s %s: makes %s, which the list does not name", reg.Name, f, d.Event.Type())
					continue
				}
				made[typ.Type] = true
				var data struct {
					Registry string `json:"registry"`
					Action   string `json:"action"`
				}
				json.Unmarshal(d.Event.Data(), &data)
				if d.Address.Source != reg.Name || d.Address.Kind != typ.Kind || data.Registry != reg.Name || data.Action != typ.Action ||
					d.Event.DataSchema() != base+typ.Schema+".json" {
					t.Errorf("%s %s: address %+v, data %+v, dataschema %s; the list says %+v", reg.Name, f, d.Address, data, d.Event.DataSchema(), typ)
				}
			}
		}
		for _, typ := range reg.Types {
			if other, dup := types[typ.Type]; dup {
				t.Errorf("%s is listed by %s and %s", typ.Type, other, reg.Name)
			}
			types[typ.Type] = reg.Name
			if !made[typ.Type] {
				t.Errorf("%s: no sample makes %s", reg.Name, typ.Type)
			}
			if typ.Summary == "" {
				t.Errorf("%s: %s has no Summary (the AsyncAPI document's summary of its messages)", reg.Name, typ.Type)
			}
			if _, ok := reg.Aliases[typ.Envelope]; typ.Envelope != "" && !ok {
				t.Errorf("%s: the envelope of %s, %s, is not one of its Aliases", reg.Name, typ.Type, typ.Envelope)
			}
			if _, err := fs.Stat(reg.Samples, "samples/"+typ.Sample+".json"); err != nil {
				t.Errorf("%s: the sample of %s: %v", reg.Name, typ.Type, err)
			}
			if _, err := fs.Stat(schemas.FS(), typ.Schema+".json"); err != nil {
				t.Errorf("%s: the schema of %s: %v", reg.Name, typ.Type, err)
			}
		}
		if _, err := fs.Stat(reg.Samples, "samples/"+reg.DefaultSample+".json"); err != nil {
			t.Errorf("%s: default sample: %v", reg.Name, err)
		}
		for alias, sample := range reg.Aliases {
			if _, err := fs.Stat(reg.Samples, "samples/"+sample+".json"); err != nil {
				t.Errorf("%s: the sample of %s: %v", reg.Name, alias, err)
			}
		}
	}
}

// TestImportBoundary holds the line between registries and brokers: the
// contract and every registry package build without any broker, spool or
// metrics library, so that a registry can be read, tested and fuzzed on
// its own, and no decoder can publish.
func TestImportBoundary(t *testing.T) {
	pkgs := []string{reflect.TypeFor[adapter.Registry]().PkgPath()}
	for _, reg := range all.Registries {
		pkgs = append(pkgs, reflect.TypeOf(reg.New(base)).Elem().PkgPath())
	}
	out, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).Output()
	if err != nil {
		t.Fatalf("go list -deps %v: %v", pkgs, err)
	}
	forbidden := []string{"github.com/nats-io/", "github.com/segmentio/kafka-go", "github.com/twmb/", "github.com/prometheus/",
		"github.com/hubwire/hubwire/sinks/spool", "github.com/hubwire/hubwire/sinks/store", "github.com/hubwire/hubwire/sinks/nats", "github.com/hubwire/hubwire/sinks/kafka"}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if strings.HasPrefix(dep, f) {
				t.Errorf("%v depend on %s", pkgs, dep)
			}
		}
	}
}
