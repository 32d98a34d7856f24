package adapter

import (
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Registry describes one registry hubwire takes webhooks from: everything
// the rest of hubwire needs to know of it, said once.
type Registry struct {
	// Name is the path element of its webhook URL (/hooks/<name>/<token>),
	// the first token of its NATS subjects, its key under sources in the
	// config file and the argument of hubwire send.
	Name string
	// Title names it for people ("Docker Hub").
	Title string
	// Types are every event type it makes.
	Types []EventType
	// Aliases are other names of the registry's own that hubwire send
	// --type takes (an envelope type that names its event inside), each
	// with the sample it sends.
	Aliases map[string]string
	// Samples holds realistic deliveries as samples/<name>.json, one at
	// least for each type: for tests, and for trying a setup end to end.
	Samples fs.FS
	// DefaultSample is the sample hubwire send posts when told no other.
	DefaultSample string
	// Freshen sets the time of a sample's occurrence to now, so that each
	// send is a new event; a body it cannot read is returned as it is.
	Freshen func(body []byte, now time.Time) []byte
	// FreshenHeader does what Freshen does for a registry whose
	// deliveries say when and which occurrence in headers (zot's
	// binary-mode CloudEvents: ce-time, ce-id); nil for none.
	FreshenHeader func(h http.Header, now time.Time)
	// New returns the registry's decoder, whose events point their
	// dataschema at the schemas served under schemaBase (for example
	// http://127.0.0.1:8080/schemas/).
	New func(schemaBase string) Decoder

	// MediaTypes are the Content-Types the registry sends besides JSON
	// (GitHub's application/x-www-form-urlencoded); its decoder reads them.
	MediaTypes []string
	// Drop are CloudEvent types (a trailing * matches any rest) the
	// receiver does not publish unless the config file's publish names
	// them: distribution's blob events, a dozen for each push.
	Drop []string
	// Recognizes reports whether a delivery looks like this registry's,
	// so that one posted to another registry's URL is told where it
	// belongs; nil for never.
	Recognizes func(d Delivery) bool
	// SampleRequest is the headers and query a sample is sent with, where
	// its body alone does not say what it is (GitHub's X-GitHub-Event,
	// Quay's ?event=); nil for none.
	SampleRequest func(sample string) (http.Header, url.Values)
	// WebhookHint is what the banner of hubwire serve prints after the
	// registry's webhook URL, for a registry whose URL needs more than the
	// URL itself (Quay's ?event=<kind>, one notification per kind); empty
	// for none.
	WebhookHint string
}

// EventType is one kind of event a registry makes, under every name it
// goes by.
type EventType struct {
	// Native is the registry's own name for it ("TAG_PUSH"), which
	// hubwire send --type takes; empty where the registry names none.
	Native string
	// Type is the CloudEvent type ("com.docker.dtr.tag.push").
	Type string
	// Kind is its token in the NATS subject ("tag_push"):
	// hubwire.events.<registry>.<kind>.<namespace>.<name>.
	Kind string
	// Action is data.action ("tag.push").
	Action string
	// Schema names the JSON Schema of its data ("dtr.tag.push"), served
	// as /schemas/<Schema>.json.
	Schema string
	// Sample is the sample (samples/<Sample>.json) that produces it.
	Sample string
	// Summary says in a sentence, for people, what happened ("A tag was
	// pushed to a repository."). It is the summary of the type's messages
	// in the AsyncAPI document, which adds the registry's name of it.
	Summary string
	// Envelope is the alias (a key of the registry's Aliases) of the
	// envelope type that may also carry this type, naming it inside: DTR's
	// REPO_EVENT for its repository events; empty for none. The AsyncAPI
	// document names it beside Native, so that a consumer who sees it in
	// data.payload knows which event it was filed under.
	Envelope string
	// Global marks an event that belongs to no repository (DTR's scanner
	// update): its subject and partition key name what it is about.
	Global bool
}

// Type returns the event type whose CloudEvent type is ceType.
func (r Registry) Type(ceType string) (EventType, bool) {
	i := slices.IndexFunc(r.Types, func(t EventType) bool { return t.Type == ceType })
	if i < 0 {
		return EventType{}, false
	}
	return r.Types[i], true
}

// NativeType returns the event type the registry calls native, written in
// any case, with - or _ ("TAG_PUSH", "tag-push").
func (r Registry) NativeType(native string) (EventType, bool) {
	i := slices.IndexFunc(r.Types, func(t EventType) bool { return t.Native != "" && sameNative(t.Native, native) })
	if i < 0 {
		return EventType{}, false
	}
	return r.Types[i], true
}

// NativeNames lists the registry's own names of its types, aliases
// included, sorted; none for a registry that names none.
func (r Registry) NativeNames() []string {
	var names []string
	for _, t := range r.Types {
		if t.Native != "" {
			names = append(names, t.Native)
		}
	}
	for alias := range r.Aliases {
		names = append(names, alias)
	}
	slices.Sort(names)
	return names
}

// SampleNames lists the registry's samples, sorted.
func (r Registry) SampleNames() []string {
	files, _ := fs.Glob(r.Samples, "samples/*.json")
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strings.TrimSuffix(strings.TrimPrefix(f, "samples/"), ".json")
	}
	return names
}

// Sample returns the sample named name; its default sample for "".
func (r Registry) Sample(name string) ([]byte, error) {
	if name == "" {
		name = r.DefaultSample
	}
	b, err := fs.ReadFile(r.Samples, "samples/"+name+".json")
	if err != nil {
		return nil, fmt.Errorf("no %s sample %q; there are: %s", r.Name, name, strings.Join(r.SampleNames(), ", "))
	}
	return b, nil
}

// SampleDelivery is the sample named name (its default for "") as the
// registry sends it: the body, and the headers and query SampleRequest
// gives, with Content-Type application/json unless those say otherwise.
func (r Registry) SampleDelivery(name string) (Delivery, error) {
	if name == "" {
		name = r.DefaultSample
	}
	body, err := r.Sample(name)
	if err != nil {
		return Delivery{}, err
	}
	d := Delivery{Header: http.Header{}, Query: url.Values{}, Body: body}
	if r.SampleRequest != nil {
		h, q := r.SampleRequest(name)
		for k, v := range h {
			d.Header[k] = v
		}
		for k, v := range q {
			d.Query[k] = v
		}
	}
	if d.Header.Get("Content-Type") == "" {
		d.Header.Set("Content-Type", "application/json")
	}
	return d, nil
}

// SampleOf names the sample of the event type the registry calls native
// (an alias included).
func (r Registry) SampleOf(native string) (string, error) {
	if t, ok := r.NativeType(native); ok {
		return t.Sample, nil
	}
	for alias, sample := range r.Aliases {
		if sameNative(alias, native) {
			return sample, nil
		}
	}
	natives := r.NativeNames()
	if len(natives) == 0 {
		return "", fmt.Errorf("%s names no event types (see --list for its samples)", r.Title)
	}
	return "", fmt.Errorf("%s has no such event type; it has %s", r.Name, strings.Join(natives, ", "))
}

// TypeMatches reports whether a CloudEvent type matches pattern: the type
// itself, or a prefix ending in * ("io.cncf.distribution.blob.*", "*").
func TypeMatches(pattern, ceType string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(ceType, prefix)
	}
	return pattern == ceType
}

// ValidHost reports whether h can stand as the host of an https URL (a
// CloudEvent source): a DNS name or IPv4 address with an optional port.
// Registries send placeholders ("[registry].azurecr.io") and addresses
// that would make the source no URI.
func ValidHost(h string) bool {
	name, port, hasPort := strings.Cut(h, ":")
	if name == "" || len(name) > 253 || name[0] == '.' || name[0] == '-' || hasPort && (port == "" || len(port) > 5) {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return false
		}
	}
	return true
}

// sameNative reports whether two spellings name the same native type.
func sameNative(a, b string) bool {
	return strings.EqualFold(strings.ReplaceAll(a, "-", "_"), strings.ReplaceAll(b, "-", "_"))
}

// List is a list of registries: adapter/all holds the one hubwire serves.
type List []Registry

// Get returns the registry named name.
func (l List) Get(name string) (Registry, bool) {
	i := slices.IndexFunc(l, func(r Registry) bool { return r.Name == name })
	if i < 0 {
		return Registry{}, false
	}
	return l[i], true
}

// Names lists the registries' names, in the list's order.
func (l List) Names() []string {
	names := make([]string, len(l))
	for i, r := range l {
		names[i] = r.Name
	}
	return names
}

// Types lists every CloudEvent type the registries make, sorted.
func (l List) Types() []string {
	var types []string
	for _, r := range l {
		for _, t := range r.Types {
			types = append(types, t.Type)
		}
	}
	slices.Sort(types)
	return types
}
