// Package asyncapigen writes hubwire's AsyncAPI 3.0 document
// (schemas/asyncapi.json) from the list of registries, so that adding a
// registry to adapter/all is all it takes for the document to describe
// its events: the source and kind enums, one message per event type on
// each broker, their summaries and schemas, and the registries' names in
// the prose all come from the list. What is the same whatever the
// registries (servers, the ack channels and messages, the headers) is
// written here once.
//
// It is a package of its own, run by go generate (see gen/ and
// schemas/schemas.go), so that the hubwire binary, which only serves the
// committed document, does not link it. The schemas package's tests fail
// when the committed document is not what Generate makes.
package asyncapigen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/internal/rawjson"
)

// The broker names the document gives. They are hubwire's defaults
// (sinks/nats, adapter/reply, --kafka-topic, --kafka-acks-topic), which
// the schemas package's tests hold the document to.
const (
	subjectPrefix = "hubwire.events"
	ackPrefix     = "hubwire.acks"
	eventsTopic   = "hubwire.events"
	acksTopic     = "hubwire.acks"
	kafkaBinding  = "0.5.0"
)

// Generate returns the AsyncAPI document of the events regs make, as JSON
// indented by two spaces and ending in a newline: the form committed as
// schemas/asyncapi.json.
func Generate(regs adapter.List) ([]byte, error) {
	f, err := gather(regs)
	if err != nil {
		return nil, err
	}
	// Without json.Marshal's escaping of <, > and &: the document's prose
	// (<namespace>/<name>) is full of them, and a reader of the file
	// should see it as written.
	raw, err := rawjson.Marshal(document(f))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// eventType is one event type with the registry that makes it.
type eventType struct {
	reg adapter.Registry
	adapter.EventType
}

// facts are what the document says of the registries.
type facts struct {
	regs adapter.List
	// types are every event type, in the list's order.
	types []eventType
	// sourceForms are the forms of the events' source attribute, one per
	// registry and kind of event ("urn:hubwire:dtr:<namespace>/<name>").
	sourceForms []string
	// globals are the events that belong to no repository.
	globals []global
}

// global is what an event of no repository has in the place of one.
type global struct {
	// subject is its subject ("scanner"): what it is about.
	subject string
	// key is its partition key.
	key string
}

// token matches a name that is one NATS subject token as it is: the
// document's enums hold registry names and kinds as written, which would
// be wrong for a name the sink escapes (see sinks/nats.Token).
var token = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// sampleBase is where the decoders are told the schemas are while
// gather decodes the samples; the document does not depend on it.
const sampleBase = "http://hubwire.invalid/schemas/"

// gather collects the facts from regs. Where the document describes what
// an event holds (its source, and the subject and partition key of an
// event of no repository), the facts are the decoders' own: gather
// decodes each type's sample and writes the repository in its source as
// <namespace>/<name>, so that the document cannot describe a source no
// decoder makes.
func gather(regs adapter.List) (facts, error) {
	f := facts{regs: regs}
	messages := map[string]string{}
	for _, r := range regs {
		if !token.MatchString(r.Name) {
			return f, fmt.Errorf("registry %q: its name is not a plain subject token", r.Name)
		}
		dec := r.New(sampleBase)
		for _, t := range r.Types {
			if !token.MatchString(t.Kind) {
				return f, fmt.Errorf("%s: the kind %q of %s is not a plain subject token", r.Name, t.Kind, t.Type)
			}
			if t.Summary == "" {
				return f, fmt.Errorf("%s: %s has no Summary, which its messages need", r.Name, t.Type)
			}
			if other, dup := messages[t.Schema]; dup {
				// Messages are named after their schema.
				return f, fmt.Errorf("%s and %s have the same schema %s", other, t.Type, t.Schema)
			}
			messages[t.Schema] = t.Type
			f.types = append(f.types, eventType{r, t})

			d, err := decodeSample(r, dec, t)
			if err != nil {
				return f, err
			}
			form := d.Event.Source()
			if t.Global {
				key, _ := d.Event.Extensions()[adapter.ExtPartitionKey].(string)
				g := global{subject: d.Event.Subject(), key: key}
				if !slices.Contains(f.globals, g) {
					f.globals = append(f.globals, g)
				}
				form += " for the " + g.subject
			} else {
				repo, placeholder := url.PathEscape(d.Address.Namespace)+"/"+url.PathEscape(d.Address.Name), "<namespace>/<name>"
				if d.Address.Namespace == "" { // a one-level repository (distribution's hello-world)
					repo, placeholder = url.PathEscape(d.Address.Name), "<name>"
				}
				form = strings.Replace(form, repo, placeholder, 1)
			}
			if !slices.Contains(f.sourceForms, form) {
				f.sourceForms = append(f.sourceForms, form)
			}
		}
	}
	if len(f.types) == 0 {
		return f, fmt.Errorf("no event types: the list holds no registry that makes any")
	}
	return f, nil
}

// decodeSample decodes the sample of t and returns its event of type t.
func decodeSample(r adapter.Registry, dec adapter.Decoder, t adapter.EventType) (*adapter.Decoded, error) {
	file := "samples/" + t.Sample + ".json"
	delivery, err := r.SampleDelivery(t.Sample)
	if err != nil {
		return nil, fmt.Errorf("%s: the sample of %s: %w", r.Name, t.Type, err)
	}
	events, err := dec.Decode(delivery)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.Name, file, err)
	}
	for _, d := range events {
		if d.Event.Type() == t.Type {
			return d, nil
		}
	}
	return nil, fmt.Errorf("%s %s: makes no %s event", r.Name, file, t.Type)
}

// document is the whole AsyncAPI document.
func document(f facts) object {
	var titles []string
	for _, r := range f.regs {
		titles = append(titles, r.Title)
	}
	return object{
		{"asyncapi", "3.0.0"},
		{"info", object{
			{"title", "hubwire"},
			{"version", "1.0.0"},
			{"description", "Container registry webhooks (" + strings.Join(titles, ", ") + ") as CloudEvents on NATS JetStream or Kafka, and the acknowledgements consumers send back.\n\n" +
				"This document describes a consumer: it receives events and sends acks. Messages are described in binary content mode, hubwire's default: each CloudEvent attribute in a header (ce-<name> on NATS, percent-encoded as the CloudEvents NATS binding asks; ce_<name> and content-type on Kafka) and the data as the body. With hubwire serve --ce-mode structured the body is instead the whole event as JSON (Content-Type: application/cloudevents+json; charset=UTF-8) whose data member follows the same schemas.\n\n" +
				"A hubwire publishes to NATS or to Kafka, not both: use the channels of the broker yours runs with."},
		}},
		{"defaultContentType", "application/json"},
		{"servers", servers},
		{"channels", channels(f)},
		{"operations", operations(f)},
		{"components", object{
			{"schemas", object{
				{nats.headers, headers(f, nats)},
				{kafka.headers, headers(f, kafka)},
			}},
			{"messages", messages(f)},
		}},
	}
}

// servers are the two brokers hubwire publishes to.
var servers = object{
	{"nats", object{
		{"host", "127.0.0.1:4222"},
		{"protocol", "nats"},
		{"title", "NATS JetStream"},
		{"description", "The embedded NATS server of hubwire serve (nats://127.0.0.1:4222, --nats-addr), or the NATS cluster hubwire serve --broker nats://… publishes to. Events are kept in the stream HUBWIRE_EVENTS (--stream), acks in HUBWIRE_ACKS."},
	}},
	{"kafka", object{
		{"host", "{bootstrap}"},
		{"protocol", "kafka"},
		{"title", "Kafka"},
		{"description", "The Kafka cluster of hubwire serve --broker kafka://…."},
		{"variables", object{
			{"bootstrap", object{
				{"default", "localhost:9092"},
				{"description", "A bootstrap broker, host:port, one of those given to --broker kafka://…"},
			}},
		}},
	}},
}

// broker is how one broker carries events: the names the document gives
// its channel and messages, and how its binding writes the headers.
type broker struct {
	// channel is its channel of events.
	channel string
	// prefix is put before a type's schema to name its message among the
	// components, where both brokers' messages are.
	prefix string
	// headers names the component schema of every event's headers.
	headers string
	// header is the prefix of the CloudEvent attributes' headers.
	header string
}

var (
	nats  = broker{channel: "events", prefix: "", headers: "natsHeaders", header: "ce-"}
	kafka = broker{channel: "kafkaEvents", prefix: "kafka.", headers: "kafkaHeaders", header: "ce_"}
)

// channels are the events and acks channels of both brokers.
func channels(f facts) object {
	sources := f.regs.Names()
	slices.Sort(sources)
	var kinds []string
	for _, t := range f.types {
		if !slices.Contains(kinds, t.Kind) {
			kinds = append(kinds, t.Kind)
		}
	}
	slices.Sort(kinds)
	var kindRules []string
	for _, r := range f.regs {
		kindRules = append(kindRules, kindRule(r))
	}
	var noRepo []string
	for _, g := range f.globals {
		noRepo = append(noRepo, "the "+g.subject)
	}
	namespace := "The repository's namespace. Letters, digits, _ and - stay; every other byte is written %XX (my.org is my%2Eorg)"
	name := "The repository's name, escaped as the namespace"
	if len(noRepo) > 0 {
		namespace += "; _ stands for no repository (" + orList(noRepo) + ")"
		name += "; _ for no repository"
	}
	return object{
		{"events", object{
			{"address", subjectPrefix + ".{source}.{kind}.{namespace}.{name}"},
			{"title", "Events (NATS)"},
			{"description", "Every event, on a subject of six tokens so that wildcards select by registry, kind, namespace and repository: " + exampleSubject(f) + ", " + subjectPrefix + ".*.*.acme.>. Read them live (nats sub '" + subjectPrefix + ".>') or from the stream HUBWIRE_EVENTS with a JetStream consumer. Nats-Msg-Id is the event id: JetStream drops a repeat within the duplicate window."},
			{"servers", []any{ref("#/servers/nats")}},
			{"parameters", object{
				{"source", object{
					{"enum", sources},
					{"description", "The registry that sent the event (the path element of its webhook URL)."},
				}},
				{"kind", object{
					{"enum", kinds},
					{"description", "The event kind: " + strings.Join(kindRules, ", ") + "."},
				}},
				{"namespace", object{{"description", namespace + "."}}},
				{"name", object{{"description", name + "."}}},
			}},
			{"messages", channelMessages(f, nats)},
		}},
		{"acks", object{
			{"address", ackPrefix + ".{eventId}"},
			{"title", "Acknowledgements (NATS)"},
			{"description", "Where a consumer acknowledges an event. Sent as a request, the ack is answered at once (see ackReplies); either way it is kept in the stream HUBWIRE_ACKS, so an ack sent while hubwire is down is applied when it is back."},
			{"servers", []any{ref("#/servers/nats")}},
			{"parameters", object{
				{"eventId", object{
					{"description", "The id of the event acknowledged: its ce-id, 32 hexadecimal digits. The body's event_id, when given, must be the same."},
				}},
			}},
			{"messages", object{{"ack", ref("#/components/messages/ack")}}},
		}},
		{"ackReplies", object{
			// A reply goes to the requester's inbox, which has no fixed
			// address: AsyncAPI 3 says so with null.
			{"address", nil},
			{"title", "Answers to acknowledgements (NATS)"},
			{"description", "The reply subject (inbox) of an ack sent as a NATS request: hubwire answers there whether it took the ack."},
			{"servers", []any{ref("#/servers/nats")}},
			{"messages", object{{"ackReply", ref("#/components/messages/ackReply")}}},
		}},
		{"kafkaEvents", object{
			{"address", eventsTopic},
			{"title", "Events (Kafka)"},
			{"description", "Every event, keyed by its repository (the partitionkey) so that one repository's events stay on one partition, in order. The topic is --kafka-topic (default " + eventsTopic + "). kafka-go has no idempotent producer: drop repeats by ce_source and ce_id."},
			{"servers", []any{ref("#/servers/kafka")}},
			{"messages", channelMessages(f, kafka)},
			{"bindings", topicBinding(eventsTopic)},
		}},
		{"kafkaAcks", object{
			{"address", acksTopic},
			{"title", "Acknowledgements (Kafka)"},
			{"description", "Where a consumer acknowledges an event: the ack as the value, the event id as the key. The topic is --kafka-acks-topic (default " + acksTopic + "). hubwire also writes a notice of each stored event here ({\"hubwire_received\": …}); consumers send acks only."},
			{"servers", []any{ref("#/servers/kafka")}},
			{"messages", object{{"ack", ref("#/components/messages/kafka.ack")}}},
			{"bindings", topicBinding(acksTopic)},
		}},
	}
}

// kindRule says how r's events are filed by kind: by the registry's own
// name of the type in lower case where every kind is that, otherwise by
// naming the kinds.
func kindRule(r adapter.Registry) string {
	lower := len(r.Types) > 0
	var kinds, envelopes []string
	for _, t := range r.Types {
		lower = lower && t.Native != "" && t.Kind == strings.ToLower(t.Native)
		kinds = append(kinds, t.Kind)
		if t.Envelope != "" && !slices.Contains(envelopes, t.Envelope) {
			envelopes = append(envelopes, t.Envelope)
		}
	}
	rule := orList(kinds) + " for " + r.Title
	if lower {
		rule = r.Title + "'s event type in lower case for " + r.Title
	}
	for _, e := range envelopes {
		rule += " (" + article(e) + " " + e + " is filed under the event it names)"
	}
	return rule
}

// exampleSubject is a wildcard that selects one kind of one registry's
// events: the first kind of the first registry that has several, where
// selecting by kind means something.
func exampleSubject(f facts) string {
	t := f.types[0]
	for _, e := range f.types {
		if len(e.reg.Types) > 1 && !e.Global {
			t = e
			break
		}
	}
	return subjectPrefix + "." + t.reg.Name + "." + t.Kind + ".>"
}

// channelMessages are the messages of b's events channel, one per type,
// named after its schema.
func channelMessages(f facts, b broker) object {
	var o object
	for _, t := range f.types {
		o = append(o, member{t.Schema, ref("#/components/messages/" + b.prefix + t.Schema)})
	}
	return o
}

func topicBinding(topic string) object {
	return object{{"kafka", object{{"topic", topic}, {"bindingVersion", kafkaBinding}}}}
}

// operations are what a consumer does: receive the events and send acks,
// on either broker.
func operations(f facts) object {
	received := func(b broker) []any {
		var refs []any
		for _, t := range f.types {
			refs = append(refs, ref("#/channels/"+b.channel+"/messages/"+t.Schema))
		}
		return refs
	}
	return object{
		{"receiveEvents", object{
			{"action", "receive"},
			{"channel", ref("#/channels/events")},
			{"title", "Receive events from NATS"},
			{"summary", "Subscribe to " + subjectPrefix + ".> (or a narrower wildcard), or consume the stream HUBWIRE_EVENTS."},
			{"messages", received(nats)},
		}},
		{"sendAck", object{
			{"action", "send"},
			{"channel", ref("#/channels/acks")},
			{"title", "Acknowledge an event on NATS"},
			{"summary", "Request on " + ackPrefix + ".<event-id>; the reply says whether hubwire took the ack."},
			{"messages", []any{ref("#/channels/acks/messages/ack")}},
			{"reply", object{
				{"channel", ref("#/channels/ackReplies")},
				{"messages", []any{ref("#/channels/ackReplies/messages/ackReply")}},
			}},
		}},
		{"receiveKafkaEvents", object{
			{"action", "receive"},
			{"channel", ref("#/channels/kafkaEvents")},
			{"title", "Receive events from Kafka"},
			{"summary", "Consume the events topic."},
			{"messages", received(kafka)},
		}},
		{"sendKafkaAck", object{
			{"action", "send"},
			{"channel", ref("#/channels/kafkaAcks")},
			{"title", "Acknowledge an event on Kafka"},
			{"summary", "Produce the ack to the acks topic with the event id as key."},
			{"messages", []any{ref("#/channels/kafkaAcks/messages/ack")}},
		}},
	}
}

// attribute is a CloudEvent attribute as a header of every event.
type attribute struct {
	// header is the header's name after the binding's prefix: the
	// attribute's name, but for a header of the broker's own.
	header string
	// required: every event has it.
	required bool
	// schema is the header's JSON Schema, but its description.
	schema      object
	description string
}

// attributes are the headers of every event on b, in the order hubwire
// writes them (and then the optional ones), so that the NATS and Kafka
// header schemas cannot drift apart.
func attributes(f facts, b broker) []attribute {
	var globalKeys []string
	for _, g := range f.globals {
		globalKeys = append(globalKeys, g.key)
	}
	var subjects []string
	for _, g := range f.globals {
		subjects = append(subjects, g.subject)
	}
	str := object{{"type", "string"}}
	id := append(slices.Clip(str), member{"pattern", "^[0-9a-f]{32}$"})
	nonEmpty := append(slices.Clip(str), member{"minLength", 1})
	isJSON := append(slices.Clip(str), member{"const", "application/json"})
	uri := append(slices.Clip(str), member{"format", "uri"})

	var attrs []attribute
	if b == nats {
		attrs = append(attrs, attribute{"Nats-Msg-Id", true, id, "The event id again, so that JetStream stores a repeated event once within the stream's duplicate window."})
	}
	attrs = append(attrs,
		attribute{b.header + "specversion", true, append(slices.Clip(str), member{"const", "1.0"}), "CloudEvents spec version."},
		attribute{b.header + "id", true, id, "The event id, derived from what identifies the occurrence: a redelivered webhook gets the same id."},
		attribute{b.header + "source", true, uri, "The registry and repository: " + orList(f.sourceForms) + "."},
		attribute{b.header + "type", true, str, "The CloudEvent type; each message fixes it."},
		attribute{b.header + "subject", true, nonEmpty, orList(append([]string{"<namespace>/<name>:<tag>", "<namespace>/<name>@<digest>", "<namespace>/<name>"}, subjects...)) + "."},
		attribute{b.header + "time", true, append(slices.Clip(str), member{"format", "date-time"}), "When it happened at the registry, RFC 3339 in UTC."},
	)
	if b == nats {
		attrs = append(attrs, attribute{b.header + "datacontenttype", true, isJSON, "The data is JSON."})
	} else {
		// The Kafka binding maps datacontenttype to content-type.
		attrs = append(attrs, attribute{"content-type", true, isJSON, "The CloudEvents Kafka binding carries datacontenttype here: the data is JSON."})
	}
	return append(attrs,
		attribute{b.header + "dataschema", true, uri, "The URI of the data's JSON Schema, served by hubwire at <public-url>/schemas/<name>.json; each message's payload is that schema."},
		attribute{b.header + "partitionkey", true, nonEmpty, orList(append([]string{"The repository (<namespace>/<name>)"}, globalKeys...)) + "; one partition key keeps its events in order."},
		attribute{b.header + "repository", false, append(slices.Clip(str), member{"pattern", "^[^/]+(/.+)?$"}), "The repository, <namespace>/<name> (or a bare <name>, in a registry whose repositories need no namespace), on every event that has one."},
		attribute{b.header + "tag", false, nonEmpty, "The tag, when the registry names one."},
		attribute{b.header + "digest", false, nonEmpty, "The digest, when the registry names one."},
		attribute{b.header + "traceparent", false, str, "W3C trace context of the delivery, with hubwire serve --tracing."},
		attribute{b.header + "tracestate", false, str, "W3C trace state of the delivery, with --tracing, when the sender had one."},
	)
}

// headers is the JSON Schema of the headers of every event on b.
func headers(f facts, b broker) object {
	description := "The headers of every event on NATS in binary mode. Values are percent-encoded: space, \", % and every byte outside U+0021-U+007E are written %XX (only names with such characters need it)."
	if b == kafka {
		description = "The headers of every event on Kafka in binary mode, as the CloudEvents Kafka binding names them; values are UTF-8, not escaped."
	}
	var required []string
	var properties object
	for _, a := range attributes(f, b) {
		if a.required {
			required = append(required, a.header)
		}
		properties = append(properties, member{a.header, append(slices.Clip(a.schema), member{"description", a.description})})
	}
	return object{
		{"description", description},
		{"type", "object"},
		{"required", required},
		{"properties", properties},
	}
}

// messages are the component messages: each type's on NATS and on Kafka,
// then the acks'.
func messages(f facts) object {
	var globalKeys []string
	for _, g := range f.globals {
		globalKeys = append(globalKeys, g.key)
	}
	var o object
	for _, t := range f.types {
		summary := t.Summary
		if t.Native != "" {
			summary += " " + t.reg.Title + " type " + t.Native
			if t.Envelope != "" {
				summary += " (or " + t.Envelope + ")"
			}
			summary += "."
		}
		subject := ".{namespace}.{name}"
		if t.Global {
			subject = "._._"
		}
		o = append(o,
			member{nats.prefix + t.Schema, eventMessage(t, nats, "", summary,
				"NATS subject "+subjectPrefix+"."+t.reg.Name+"."+t.Kind+subject+", binary content mode: the attributes in ce- headers (percent-encoded), the data as the body.", nil)},
			member{kafka.prefix + t.Schema, eventMessage(t, kafka, " (Kafka)", summary,
				"Kafka topic "+eventsTopic+", binary content mode: the attributes in ce_ headers, content-type, the data as the value; the record key is the partitionkey.",
				keyBinding("The partitionkey: "+orList(append([]string{"the repository (<namespace>/<name>)"}, globalKeys...))+"."))},
		)
	}
	return append(o,
		member{"ack", object{
			{"name", "ack"},
			{"title", "Acknowledgement"},
			{"summary", "A consumer's verdict on one event: success, failure or error."},
			{"description", "JSON on " + ackPrefix + ".<event-id>. Send it as a NATS request to be told whether hubwire took it; a plain publish is kept in the HUBWIRE_ACKS stream and applied all the same (also when hubwire is down at the time)."},
			{"contentType", "application/json"},
			{"payload", ref("./ack.json")},
		}},
		member{"ackReply", object{
			{"name", "ackReply"},
			{"title", "Answer to an acknowledgement"},
			{"summary", "Whether hubwire took the ack, or why not."},
			{"contentType", "application/json"},
			{"payload", ref("./ack.json#/$defs/reply")},
		}},
		member{"kafka.ack", object{
			{"name", "ack"},
			{"title", "Acknowledgement (Kafka)"},
			{"summary", "A consumer's verdict on one event: success, failure or error."},
			{"description", "JSON on the acks topic, with the event id as the record key. Kafka has no request-reply: hubwire's verdict is in its log and in GET /api/events/<id>."},
			{"contentType", "application/json"},
			{"payload", ref("./ack.json")},
			{"bindings", keyBinding("The id of the event acknowledged (its ce_id).")},
		}},
	)
}

// eventMessage is the message of events of type t on b: every event's
// headers with the type and schema fixed, and the type's schema as the
// payload. The payload is referred to as ./<schema>.json, relative, so
// that it resolves wherever the document is served.
func eventMessage(t eventType, b broker, titleSuffix, summary, description string, bindings object) object {
	fixed := object{
		{"properties", object{
			{b.header + "type", object{{"const", t.Type}}},
			{b.header + "dataschema", object{{"pattern", "/" + regexp.QuoteMeta(t.Schema+".json") + "$"}}},
		}},
	}
	if !t.Global {
		fixed = append(fixed, member{"required", []string{b.header + "repository"}})
	}
	m := object{
		{"name", t.Type},
		{"title", t.Type + titleSuffix},
		{"summary", summary},
		{"description", description},
		{"contentType", "application/json"},
		{"headers", object{
			{"type", "object"},
			{"allOf", []any{ref("#/components/schemas/" + b.headers), fixed}},
		}},
		{"payload", ref("./" + t.Schema + ".json")},
	}
	if bindings != nil {
		m = append(m, member{"bindings", bindings})
	}
	return m
}

// keyBinding is the Kafka binding of a message whose record key is a
// non-empty string, described.
func keyBinding(description string) object {
	return object{{"kafka", object{
		{"key", object{{"type", "string"}, {"minLength", 1}, {"description", description}}},
		{"bindingVersion", kafkaBinding},
	}}}
}

func ref(pointer string) object { return object{{"$ref", pointer}} }

// orList joins items as prose: "a", "a, or b", "a, b, or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + ", or " + items[len(items)-1]
}

// article is the indefinite article of a name read out letter by letter
// or as a word: "a REPO_EVENT", "an EVENT".
func article(name string) string {
	if name != "" && strings.ContainsRune("AEIOUaeiou", rune(name[0])) {
		return "an"
	}
	return "a"
}

// object is a JSON object that keeps its members in the order written, so
// that the document reads as a person would lay it out (info, servers,
// channels, …) and regenerating it moves no line.
type object []member

type member struct {
	key   string
	value any
}

// MarshalJSON implements json.Marshaler.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := rawjson.Marshal(m.key)
		if err != nil {
			return nil, err
		}
		v, err := rawjson.Marshal(m.value)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.key, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
