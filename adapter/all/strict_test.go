package all_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/internal/rawjson"
)

// TestEveryDecoderIsStrict holds every registry's decoder, on every
// sample, to what DecodeJSON promises: a key given twice is refused (400
// naming it), so is a byte that is not UTF-8 (naming its offset), and a
// key that differs from a known one only in case is ignored, never taken
// for it (a CALLBACK_URL is no callback), nor published when it spells a
// secret field.
func TestEveryDecoderIsStrict(t *testing.T) {
	for _, reg := range all.Registries {
		dec := reg.New(base)
		for _, f := range reg.SampleNames() {
			delivery, err := reg.SampleDelivery(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := dec.Decode(delivery)
			if err != nil {
				t.Fatalf("%s %s: %v", reg.Name, f, err)
			}
			body := bytes.TrimSpace(delivery.Body)
			if !bytes.HasPrefix(body, []byte("{")) {
				continue // GitHub's form-encoded delivery: its JSON is a form field
			}
			with := func(member string) adapter.Delivery {
				d := delivery
				d.Body = append([]byte("{"+member+","), body[1:]...)
				return d
			}
			for member, says := range map[string]string{
				`"hubwire_twice":1,"hubwire_twice":2`: "hubwire_twice: the key appears twice",
				"\"hubwire_bad\":\"\xff\"":            "not valid UTF-8 at byte offset 16",
			} {
				_, err := dec.Decode(with(member))
				var fe *adapter.FieldError
				if !errors.As(err, &fe) || !strings.Contains(fe.Error(), says) {
					t.Errorf("%s %s with %q: %v; want a FieldError saying %q", reg.Name, f, member, err, says)
				}
			}

			// Each top-level key again, spelt in capitals, after it.
			var top rawjson.Object
			top, err = rawjson.Decode(body, new(json.RawMessage))
			if err != nil {
				t.Fatal(err)
			}
			var keys map[string]json.RawMessage
			json.Unmarshal(body, &keys)
			variant := bytes.TrimSuffix(body, []byte("}"))
			n := 0
			for k := range keys {
				if up := strings.ToUpper(k); up != k && top.Get(up) == nil {
					variant = append(variant, `,"`+up+`":"hubwire-variant"`...)
					n++
				}
			}
			if n == 0 {
				continue
			}
			d := delivery
			d.Body = append(variant, '}')
			got, err := dec.Decode(d)
			if err != nil {
				t.Errorf("%s %s with keys in capitals: %v", reg.Name, f, err)
				continue
			}
			if len(got) != len(want) {
				t.Errorf("%s %s with keys in capitals: %d events, want %d", reg.Name, f, len(got), len(want))
				continue
			}
			for i := range got {
				g, w := got[i], want[i]
				if g.Event.Type() != w.Event.Type() || g.Event.Subject() != w.Event.Subject() || g.CallbackURL != w.CallbackURL || g.Address != w.Address || facts(g) != facts(w) {
					t.Errorf("%s %s with keys in capitals: %s %s %q %+v %s; want %s %s %q %+v %s", reg.Name, f,
						g.Event.Type(), g.Event.Subject(), g.CallbackURL, g.Address, facts(g), w.Event.Type(), w.Event.Subject(), w.CallbackURL, w.Address, facts(w))
				}
				if strings.Contains(strings.ToLower(string(g.Event.Data())), "callback_url") {
					t.Errorf("%s %s: a callback_url in the event: %s", reg.Name, f, g.Event.Data())
				}
			}
		}
	}
}

// facts is an event's data without its payload.
func facts(d *adapter.Decoded) string {
	var m map[string]json.RawMessage
	json.Unmarshal(d.Event.Data(), &m)
	delete(m, "payload")
	delete(m, "occurred_at") // the time of receipt where a registry sends none
	b, _ := json.Marshal(m)
	return string(b)
}
