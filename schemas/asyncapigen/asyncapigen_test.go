package asyncapigen_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/schemas/asyncapigen"
	"github.com/hubwire/hubwire/sinks"
)

// acme is a registry that is in no list but this test's: adding it must be
// all it takes for the document to describe its events.
var acme = adapter.Registry{
	Name:  "acme",
	Title: "Acme",
	Types: []adapter.EventType{{Native: "IMAGE_PUSHED", Type: "com.acme.image.pushed", Kind: "image_pushed", Action: "image.pushed",
		Schema: "acme.image.pushed", Sample: "pushed", Summary: "An image was pushed."}},
	Samples:       fstest.MapFS{"samples/pushed.json": {Data: []byte(`{}`)}},
	DefaultSample: "pushed",
	New:           func(schemaBase string) adapter.Decoder { return acmeDecoder(schemaBase) },
}

// acmeDecoder makes one push to acme.example/team/app of whatever it is
// given.
type acmeDecoder string

func (base acmeDecoder) Decode(adapter.Delivery) ([]*adapter.Decoded, error) {
	facts := adapter.Facts{Registry: "acme", Repository: "team/app", Namespace: "team", Name: "app", Action: "image.pushed",
		OccurredAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	e, err := adapter.NewEvent(adapter.Spec{ID: strings.Repeat("ab", 16), Source: "https://acme.example/team/app", Type: "com.acme.image.pushed",
		Subject: "team/app", Schema: string(base) + "acme.image.pushed.json", PartitionKey: "team/app", Facts: facts, Data: facts})
	if err != nil {
		return nil, err
	}
	return []*adapter.Decoded{{Event: e, Address: sinks.Address{Source: "acme", Kind: "image_pushed", Namespace: "team", Name: "app"}}}, nil
}

// TestGenerateFollowsTheList adds a registry to hubwire's and finds it
// everywhere the document names registries.
func TestGenerateFollowsTheList(t *testing.T) {
	raw, err := asyncapigen.Generate(append(slices.Clone(all.Registries), acme))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Info     struct{ Description string }
		Channels map[string]struct {
			Parameters map[string]struct{ Enum []string }
			Messages   map[string]struct {
				Ref string `json:"$ref"`
			}
		}
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct{ Description string }
			}
			Messages map[string]struct {
				Summary, Description string
				Payload              struct {
					Ref string `json:"$ref"`
				}
			}
		}
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	events := doc.Channels["events"]
	if enum := events.Parameters["source"].Enum; !slices.Contains(enum, "acme") || !slices.IsSorted(enum) {
		t.Errorf("source enum %v", enum)
	}
	if enum := events.Parameters["kind"].Enum; !slices.Contains(enum, "image_pushed") || !slices.IsSorted(enum) {
		t.Errorf("kind enum %v", enum)
	}
	for channel, message := range map[string]string{"events": "acme.image.pushed", "kafkaEvents": "kafka.acme.image.pushed"} {
		if got := doc.Channels[channel].Messages["acme.image.pushed"].Ref; got != "#/components/messages/"+message {
			t.Errorf("channel %s: acme's message is %q", channel, got)
		}
		m := doc.Components.Messages[message]
		if m.Summary != "An image was pushed. Acme type IMAGE_PUSHED." || m.Payload.Ref != "./acme.image.pushed.json" {
			t.Errorf("message %s: summary %q, payload %q", message, m.Summary, m.Payload.Ref)
		}
	}
	if d := doc.Components.Messages["acme.image.pushed"].Description; !strings.Contains(d, "hubwire.events.acme.image_pushed.{namespace}.{name}") {
		t.Errorf("message acme.image.pushed: %q", d)
	}
	if d := doc.Components.Schemas["natsHeaders"].Properties["ce-source"].Description; !strings.Contains(d, "https://acme.example/<namespace>/<name>") {
		t.Errorf("ce-source: %q", d)
	}
	if d := doc.Info.Description; !strings.Contains(d, "(Docker Hub, DTR, ") || !strings.Contains(d, ", Acme)") {
		t.Errorf("info: %q", d)
	}
}

// TestGenerateRefuses checks that a list the document cannot describe is
// an error, not a wrong document.
func TestGenerateRefuses(t *testing.T) {
	for name, change := range map[string]func(*adapter.EventType){
		"a kind the sink escapes": func(e *adapter.EventType) { e.Kind = "image.pushed" },
		"no summary":              func(e *adapter.EventType) { e.Summary = "" },
		"a schema twice":          func(e *adapter.EventType) { e.Schema = "dtr.tag.push" },
		"a type no sample makes":  func(e *adapter.EventType) { e.Type = "com.acme.other" },
	} {
		reg := acme
		reg.Types = slices.Clone(acme.Types)
		change(&reg.Types[0])
		if _, err := asyncapigen.Generate(append(slices.Clone(all.Registries), reg)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := asyncapigen.Generate(nil); err == nil {
		t.Error("no registries: no error")
	}
}
