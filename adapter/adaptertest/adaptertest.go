// Package adaptertest helps the registries' tests and fuzz targets: it
// holds their data encoders to encoding/json (rawjson.Marshal) and
// decodes a body that makes one event. Only tests import it.
package adaptertest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"strings"
	"testing"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/internal/rawjson"
)

// SameAsMarshal fails t for each of values whose AppendJSON is not, byte
// for byte, what encoding/json writes of it with HTML escaping off ('<',
// '>' and '&' are published as sent).
func SameAsMarshal[T adapter.DataAppender](t testing.TB, values []T) {
	t.Helper()
	for _, v := range values {
		want, werr := rawjson.Marshal(v)
		got, err := v.AppendJSON(nil)
		if string(got) != string(want) || err != nil || werr != nil {
			t.Errorf("AppendJSON(%+v)\n got %s (%v)\nwant %s (%v)", v, got, err, want, werr)
		}
	}
}

// DecodeOne decodes body, sent with no headers, and returns its one
// event; a delivery that makes none or several is an error.
func DecodeOne(d adapter.Decoder, body []byte) (*adapter.Decoded, error) {
	events, err := d.Decode(adapter.Delivery{Body: body})
	if err != nil {
		return nil, err
	}
	if len(events) != 1 {
		return nil, fmt.Errorf("the delivery made %d events, not one", len(events))
	}
	return events[0], nil
}

// MustJSON is rawjson.Marshal's text of v, failing t if v does not encode.
func MustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := rawjson.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Sample reads samples/<name> of a registry's Samples, failing t if it
// is not there.
func Sample(t testing.TB, samples fs.FS, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(samples, "samples/"+name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// SameAnswer fails t unless decoder got answers d as want, the way it is
// held to, does: the same events (ids, attributes, data and all, compared
// field by field), the same callback URLs and addresses, or the same
// error. A registry's hand-written decoding is held to the
// encoding/json way it replaced with it, on every sample and under a
// fuzz target.
func SameAnswer(t testing.TB, got, want adapter.Decoder, d adapter.Delivery) {
	t.Helper()
	g, gerr := got.Decode(d)
	w, werr := want.Decode(d)
	if fmt.Sprint(gerr) != fmt.Sprint(werr) {
		t.Fatalf("body %q: error %v; the reference says %v", d.Body, gerr, werr)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("body %q:\n got %s\nwant %s", d.Body, describe(g), describe(w))
	}
}

func describe(events []*adapter.Decoded) string {
	var b strings.Builder
	for _, e := range events {
		fmt.Fprintf(&b, "%s\ndata %s\naddress %+v callback %q\n", e.Event.String(), e.Event.Data(), e.Address, e.CallbackURL)
	}
	return b.String()
}

// WantFieldError fails t unless err is an *adapter.FieldError naming field,
// its problem containing problem: what a sender's 400 says.
func WantFieldError(t testing.TB, err error, field, problem string) {
	t.Helper()
	var fe *adapter.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("want a FieldError, got %v", err)
	}
	if fe.Field != field || !strings.Contains(fe.Problem, problem) {
		t.Errorf("got field %q problem %q; want field %q problem containing %q", fe.Field, fe.Problem, field, problem)
	}
}

// SamePayload fails t unless payload (an event's data.payload) holds the
// delivery body as sent, member for member.
func SamePayload(t testing.TB, body, payload []byte) {
	t.Helper()
	var sent, kept map[string]any
	json.Unmarshal(body, &sent)
	json.Unmarshal(payload, &kept)
	if a, b := MustJSON(t, sent), MustJSON(t, kept); a != b {
		t.Errorf("payload differs from the delivery:\n got %s\nwant %s", b, a)
	}
}
