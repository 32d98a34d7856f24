package schemas_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/adapter/reply"
	"github.com/hubwire/hubwire/schemas"
	"github.com/hubwire/hubwire/schemas/schematest"
	"github.com/hubwire/hubwire/sinks"
	kafkasink "github.com/hubwire/hubwire/sinks/kafka"
	natssink "github.com/hubwire/hubwire/sinks/nats"
)

// base is where the tests pretend the schemas are served; the decoders
// point each event's dataschema under it.
const base = "http://hubwire.test/schemas/"

// docURL is where the AsyncAPI document is served next to the schemas, so
// that its relative references resolve against base.
const docURL = base + schemas.AsyncAPIFile

// ref is a JSON Reference.
type ref struct {
	Ref string `json:"$ref"`
}

// document holds the parts of the AsyncAPI document the tests check.
type document struct {
	Channels map[string]struct {
		Address    *string
		Parameters map[string]struct{ Enum []string }
		Messages   map[string]ref
	}
	Operations map[string]struct {
		Action   string
		Channel  ref
		Messages []ref
		Reply    *struct {
			Channel  ref
			Messages []ref
		}
	}
	Components struct {
		Messages map[string]message
	}
}

// message is an AsyncAPI message of the document.
type message struct {
	Name    string
	Headers struct {
		AllOf []struct {
			Properties map[string]struct{ Const string }
		}
	}
	Payload ref
}

// ceType is the CloudEvent type the message's headers fix: the const of
// its <prefix>type header.
func (m message) ceType(prefix string) string {
	for _, s := range m.Headers.AllOf {
		if c := s.Properties[prefix+"type"].Const; c != "" {
			return c
		}
	}
	return ""
}

func readDoc(t *testing.T) (document, []byte) {
	t.Helper()
	raw, err := fs.ReadFile(schemas.FS(), schemas.AsyncAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc document
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", schemas.AsyncAPIFile, err)
	}
	return doc, raw
}

// sample is one embedded sample delivery, decoded.
type sample struct {
	file string
	*adapter.Decoded
}

// decodeSamples decodes every sample delivery of every registry, so that
// the tests check what the decoders make, not only what the list says.
func decodeSamples(t *testing.T) []sample {
	t.Helper()
	var out []sample
	for _, reg := range all.Registries {
		names := reg.SampleNames()
		if len(names) == 0 {
			t.Fatalf("no samples of %s", reg.Name)
		}
		for _, f := range names {
			delivery, err := reg.SampleDelivery(f)
			if err != nil {
				t.Fatal(err)
			}
			events, err := reg.New(base).Decode(delivery)
			if err != nil {
				t.Fatalf("%s sample %s: %v", reg.Name, f, err)
			}
			for _, d := range events {
				out = append(out, sample{reg.Name + "/" + f, d})
			}
		}
	}
	return out
}

// eventTypes is every CloudEvent type the registries make.
func eventTypes() []string {
	return all.Registries.Types()
}

// compiler knows every file of the package as if served under base, the
// AsyncAPI document included, so that a location inside the document
// (a message's headers) compiles as a schema and its references resolve.
func compiler(t *testing.T) *jsonschema.Compiler {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	entries, err := fs.ReadDir(schemas.FS(), ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		raw, _ := fs.ReadFile(schemas.FS(), e.Name())
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		if err := c.AddResource(base+e.Name(), doc); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
	}
	return c
}

// resolve resolves reference against the document's URL.
func resolve(t *testing.T, reference string) string {
	t.Helper()
	u, err := url.Parse(docURL)
	if err != nil {
		t.Fatal(err)
	}
	r, err := url.Parse(reference)
	if err != nil {
		t.Fatalf("$ref %q: %v", reference, err)
	}
	return u.ResolveReference(r).String()
}

// channelMessages maps each CloudEvent type to the component message of
// channel that carries it, and its name among the components.
func channelMessages(t *testing.T, doc document, channel, prefix string) map[string]string {
	t.Helper()
	ch, ok := doc.Channels[channel]
	if !ok {
		t.Fatalf("no channel %q", channel)
	}
	byType := map[string]string{}
	for key, r := range ch.Messages {
		name, ok := strings.CutPrefix(r.Ref, "#/components/messages/")
		m, found := doc.Components.Messages[name]
		if !ok || !found {
			t.Errorf("channel %s, message %s: $ref %q names no message of components", channel, key, r.Ref)
			continue
		}
		typ := m.ceType(prefix)
		if typ == "" {
			t.Errorf("channel %s, message %s: its headers fix no %stype", channel, key, prefix)
			continue
		}
		if other, dup := byType[typ]; dup {
			t.Errorf("channel %s: messages %s and %s both carry %s", channel, other, name, typ)
		}
		byType[typ] = name
	}
	return byType
}

// encodings are the event channels with how their broker binding writes
// an event's headers in binary mode.
var encodings = []struct {
	channel, prefix string
	headers         func(t *testing.T, d *adapter.Decoded) map[string]any
}{
	{"events", "ce-", func(t *testing.T, d *adapter.Decoded) map[string]any {
		msg, err := natssink.Message(natssink.Subject(natssink.DefaultSubjectPrefix, d.Address), &d.Event, sinks.Binary)
		if err != nil {
			t.Fatal(err)
		}
		h := map[string]any{}
		for k, v := range msg.Header {
			h[k] = v[0]
		}
		return h
	}},
	{"kafkaEvents", "ce_", func(t *testing.T, d *adapter.Decoded) map[string]any {
		rec, err := kafkasink.Message(&d.Event, sinks.Binary)
		if err != nil {
			t.Fatal(err)
		}
		h := map[string]any{}
		for _, kh := range rec.Headers {
			h[kh.Key] = string(kh.Value)
		}
		return h
	}},
}

// TestAsyncAPIDescribesEveryEventType checks that each channel of events
// has exactly one message per type the decoders produce, that its payload
// is the schema the event's dataschema names, and that the real encoding of
// every sample matches the message's headers and payload.
func TestAsyncAPIDescribesEveryEventType(t *testing.T) {
	doc, _ := readDoc(t)
	samples := decodeSamples(t)
	types := eventTypes()
	sampled := map[string]bool{}
	for _, s := range samples {
		if !slices.Contains(types, s.Event.Type()) {
			t.Errorf("sample %s decodes to %s, which no decoder lists in its Types", s.file, s.Event.Type())
		}
		sampled[s.Event.Type()] = true
	}
	for _, typ := range types {
		if !sampled[typ] {
			t.Errorf("no sample delivery decodes to %s: add one to the decoder's samples/ so that its message can be checked", typ)
		}
	}
	c := compiler(t)
	for _, enc := range encodings {
		t.Run(enc.channel, func(t *testing.T) {
			byType := channelMessages(t, doc, enc.channel, enc.prefix)
			for typ, name := range byType {
				if !slices.Contains(types, typ) {
					t.Errorf("message %s is for %s, a type no decoder produces", name, typ)
				}
			}
			for _, typ := range types {
				if _, ok := byType[typ]; !ok {
					t.Errorf("no message for %s", typ)
				}
			}
			for _, s := range samples {
				name, ok := byType[s.Event.Type()]
				if !ok {
					continue
				}
				m := doc.Components.Messages[name]
				payload := resolve(t, m.Payload.Ref)
				if payload != s.Event.DataSchema() {
					t.Errorf("message %s: payload $ref %q is %s, but a %s event's dataschema is %s", name, m.Payload.Ref, payload, s.Event.Type(), s.Event.DataSchema())
					continue
				}
				if file := strings.TrimPrefix(payload, base); !slices.Contains(schemas.Names(), strings.TrimSuffix(file, ".json")) {
					t.Errorf("message %s: payload %s is not a schema file of schemas/", name, file)
				}
				validate(t, c, payload, mustJSON(t, s.Event.Data()), "sample "+s.file+" data")
				validate(t, c, docURL+"#/components/messages/"+name+"/headers", enc.headers(t, s.Decoded), "sample "+s.file+" headers")
			}
		})
	}
}

// TestAsyncAPISubjects checks the channels' addresses against the sinks'
// and the reply subscriber's, and that the subject of every sample fits
// the events channel's address and its parameters' values.
func TestAsyncAPISubjects(t *testing.T) {
	doc, _ := readDoc(t)
	events := doc.Channels["events"]
	if events.Address == nil {
		t.Fatal("channel events has no address")
	}
	pattern := regexp.QuoteMeta(*events.Address)
	for name, p := range events.Parameters {
		value := `[^.]+`
		if len(p.Enum) > 0 {
			quoted := make([]string, len(p.Enum))
			for i, v := range p.Enum {
				quoted[i] = regexp.QuoteMeta(v)
			}
			value = "(?:" + strings.Join(quoted, "|") + ")"
		}
		pattern = strings.ReplaceAll(pattern, regexp.QuoteMeta("{"+name+"}"), value)
	}
	if strings.Contains(pattern, "{") {
		t.Fatalf("address %s has a parameter the channel does not define", *events.Address)
	}
	subject := regexp.MustCompile("^" + pattern + "$")
	if !strings.HasPrefix(*events.Address, natssink.DefaultSubjectPrefix+".") {
		t.Errorf("events address %s: the sink publishes under %s", *events.Address, natssink.DefaultSubjectPrefix)
	}
	sources, kinds := map[string]bool{}, map[string]bool{}
	for _, s := range decodeSamples(t) {
		sources[s.Address.Source], kinds[s.Address.Kind] = true, true
		if subj := natssink.Subject(natssink.DefaultSubjectPrefix, s.Address); !subject.MatchString(subj) {
			t.Errorf("sample %s goes to %s, which address %s does not describe", s.file, subj, *events.Address)
		}
	}
	for param, want := range map[string]map[string]bool{"source": sources, "kind": kinds} {
		if got := events.Parameters[param].Enum; !slices.Equal(got, sortedKeys(want)) {
			t.Errorf("parameter %s lists %v; the decoders produce %v", param, got, sortedKeys(want))
		}
	}
	for channel, want := range map[string]string{
		"acks":        reply.AckSubjectPrefix + ".{eventId}",
		"kafkaEvents": "hubwire.events", // --kafka-topic's default (cmd/hubwire)
		"kafkaAcks":   "hubwire.acks",   // --kafka-acks-topic's default
	} {
		if got := doc.Channels[channel].Address; got == nil || *got != want {
			t.Errorf("channel %s: address %v, want %s", channel, got, want)
		}
	}
}

// TestAsyncAPIOperations checks that a consumer receives every message of
// the event channels and sends acks, each operation naming the messages
// of its own channel.
func TestAsyncAPIOperations(t *testing.T) {
	doc, _ := readDoc(t)
	want := map[string]struct{ action, channel string }{
		"receiveEvents":      {"receive", "events"},
		"receiveKafkaEvents": {"receive", "kafkaEvents"},
		"sendAck":            {"send", "acks"},
		"sendKafkaAck":       {"send", "kafkaAcks"},
	}
	for name, w := range want {
		op, ok := doc.Operations[name]
		if !ok {
			t.Errorf("no operation %s", name)
			continue
		}
		if op.Action != w.action || op.Channel.Ref != "#/channels/"+w.channel {
			t.Errorf("operation %s: %s on %s, want %s on #/channels/%s", name, op.Action, op.Channel.Ref, w.action, w.channel)
		}
		var got []string
		for _, m := range op.Messages {
			got = append(got, m.Ref)
		}
		var all []string
		for key := range doc.Channels[w.channel].Messages {
			all = append(all, "#/channels/"+w.channel+"/messages/"+key)
		}
		sort.Strings(got)
		sort.Strings(all)
		if !slices.Equal(got, all) {
			t.Errorf("operation %s sends or receives %v; its channel has %v", name, got, all)
		}
	}
	if r := doc.Operations["sendAck"].Reply; r == nil || r.Channel.Ref != "#/channels/ackReplies" ||
		len(r.Messages) != 1 || r.Messages[0].Ref != "#/channels/ackReplies/messages/ackReply" {
		t.Errorf("sendAck: reply %+v, want the ackReply message on #/channels/ackReplies", r)
	}
	if len(doc.Operations) != len(want) {
		t.Errorf("%d operations, want %d", len(doc.Operations), len(want))
	}
}

// TestAsyncAPIReferencesResolve follows every $ref of the document: a
// local one must point at something, any other must name a file of the
// package (where the receiver serves it, next to the document).
func TestAsyncAPIReferencesResolve(t *testing.T) {
	_, raw := readDoc(t)
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	c := compiler(t)
	n := 0
	schematest.Refs(doc, func(r string) {
		n++
		if strings.HasPrefix(r, "#") {
			if _, ok := pointer(doc, strings.TrimPrefix(r, "#")); !ok {
				t.Errorf("$ref %q points at nothing", r)
			}
			return
		}
		if !strings.HasPrefix(r, "./") {
			t.Errorf("$ref %q: write references to the schemas as ./<name>.json, which the receiver rebases when it serves the document at /asyncapi.json", r)
		}
		if _, err := c.Compile(resolve(t, r)); err != nil {
			t.Errorf("$ref %q: %v", r, err)
		}
	})
	if n == 0 {
		t.Error("no $ref in the document")
	}
}

// TestAsyncAPIConformsToSpec validates the document against the JSON
// Schema of AsyncAPI 3.0.0 (testdata/, from the npm package @asyncapi/specs).
func TestAsyncAPIConformsToSpec(t *testing.T) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	spec, err := c.Compile("testdata/asyncapi-3.0.0.json")
	if err != nil {
		t.Fatal(err)
	}
	_, raw := readDoc(t)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := spec.Validate(doc); err != nil {
		t.Errorf("%s is not a valid AsyncAPI 3.0.0 document: %v", schemas.AsyncAPIFile, err)
	}
}

func validate(t *testing.T, c *jsonschema.Compiler, schemaURL string, v any, what string) {
	t.Helper()
	s, err := c.Compile(schemaURL)
	if err != nil {
		t.Fatalf("compiling %s: %v", schemaURL, err)
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("%s does not match %s: %v", what, strings.TrimPrefix(schemaURL, base), err)
	}
}

func mustJSON(t *testing.T, raw []byte) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// pointer finds the value at JSON pointer p in v.
func pointer(v any, p string) (any, bool) {
	if p == "" {
		return v, true
	}
	for _, tok := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return v, true
}
