package adapter_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hubwire/hubwire/adapter"
)

var acme = adapter.Registry{
	Name: "acme", Title: "Acme",
	Types: []adapter.EventType{
		{Native: "PUSH", Type: "com.acme.push", Kind: "push", Sample: "push"},
		{Native: "DELETE", Type: "com.acme.delete", Kind: "delete", Sample: "delete"},
	},
	Aliases: map[string]string{"ENVELOPE": "envelope"},
	Samples: fstest.MapFS{
		"samples/push.json":     {Data: []byte(`{"push":1}`)},
		"samples/delete.json":   {Data: []byte(`{"delete":1}`)},
		"samples/envelope.json": {Data: []byte(`{"envelope":1}`)},
	},
	DefaultSample: "push",
}

func TestRegistryLookups(t *testing.T) {
	if typ, ok := acme.Type("com.acme.delete"); !ok || typ.Kind != "delete" {
		t.Errorf("Type: %+v %v", typ, ok)
	}
	if _, ok := acme.Type("com.acme.nope"); ok {
		t.Error("Type found a type the registry does not make")
	}
	if got := strings.Join(acme.NativeNames(), ","); got != "DELETE,ENVELOPE,PUSH" {
		t.Errorf("NativeNames: %s", got)
	}
	for native, want := range map[string]string{"PUSH": "push", "push": "push", "ENVELOPE": "envelope", "envelope": "envelope"} {
		if got, err := acme.SampleOf(native); got != want || err != nil {
			t.Errorf("SampleOf(%s): %q %v", native, got, err)
		}
	}
	if _, err := acme.SampleOf("CHART_PUSH"); err == nil || !strings.Contains(err.Error(), "acme has no such event type; it has DELETE, ENVELOPE, PUSH") {
		t.Errorf("SampleOf an unknown type: %v", err)
	}
	if b, err := acme.Sample(""); string(b) != `{"push":1}` || err != nil {
		t.Errorf("default sample: %s %v", b, err)
	}
	if _, err := acme.Sample("nope"); err == nil || !strings.Contains(err.Error(), `no acme sample "nope"; there are: delete, envelope, push`) {
		t.Errorf("unknown sample: %v", err)
	}
	list := adapter.List{acme, {Name: "other", Types: []adapter.EventType{{Type: "org.other.x"}}}}
	if got := strings.Join(list.Types(), ","); got != "com.acme.delete,com.acme.push,org.other.x" {
		t.Errorf("List.Types: %s", got)
	}
}
