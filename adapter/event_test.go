package adapter

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hubwire/hubwire/internal/rawjson"
)

// eventIDByFprintf is how EventID hashed its parts before it appended
// them itself. Ids must not change: a delivery retried across an upgrade
// would get a new id and be stored twice.
func eventIDByFprintf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func TestEventIDAsBefore(t *testing.T) {
	for _, parts := range [][]string{
		nil,
		{""},
		{"ab", "c"},
		{"a", "bc"},
		{"dtr", "TAG_PULL", "2026-12-01T12:00:00.123456Z", `{"namespace":"team1","repository":"service"}`},
		{"dockerhub", "acme/api", "v1", "1700000000000000", "ci", "é\x00\xff"},
		{strings.Repeat("x", 2000), "long parts go past the stack buffer"},
	} {
		if got, want := EventID(parts...), eventIDByFprintf(parts...); got != want {
			t.Errorf("EventID(%.40q) = %s, want %s", parts, got, want)
		}
	}
	if EventID("ab", "c") == EventID("a", "bc") {
		t.Error("parts are not length-prefixed")
	}
}

// specCases are specs NewEvent must build as the SDK's setters do,
// attribute for attribute: the registries' usual ones and the edges the
// setters trim, drop or refuse.
var specCases = []Spec{
	{ID: "0123abcd", Source: "urn:hubwire:dtr:foo/bar", Type: "com.docker.dtr.tag.pull", Subject: "foo/bar:latest", Schema: "http://127.0.0.1:8080/schemas/dtr.tag.pull.json", PartitionKey: "foo/bar",
		Facts: Facts{Registry: "dtr", Repository: "foo/bar", Tag: "latest", Digest: "sha256:ab", Action: "tag.pull", OccurredAt: time.Date(2019, 5, 15, 19, 41, 2, 113e6, time.UTC)}},
	{ID: "x", Source: "https://hub.docker.com/r/my%20team/api", Type: "t", Subject: " spaced subject ", Schema: " http://h/s.json ", Data: map[string]any{"a": "<&>"}},
	{ID: "x", Source: "urn:a", Type: "t", Subject: "   "},
	{ID: " x ", Source: "urn:a", Type: " t ", Facts: Facts{OccurredAt: time.Date(1, 1, 1, 0, 0, 0, 1, time.FixedZone("", 3600))}},
	{ID: "", Source: "urn:a", Type: "t"},
	{ID: "x", Source: "", Type: "t"},
	{ID: "x", Source: "relative/path", Type: "t"},
	{ID: "x", Source: " ", Type: "t"},
	{ID: "x", Source: "#", Type: "t"},
	{ID: "x", Source: "http://bad host/", Type: "t"},
	{ID: "x", Source: "urn:a", Type: "  "},
	{ID: "x", Source: "urn:a", Type: "t", Schema: "relative.json"},
	{ID: "x", Source: "urn:a", Type: "t", Schema: "http://[::1"},
	{ID: "x", Source: "urn:a", Type: "t", Data: func() {}},
	{ID: "x", Source: "urn:a", Type: "t", Data: appenderFunc(func(b []byte) ([]byte, error) { return nil, fmt.Errorf("no") })},
	{ID: "x", Source: "urn:a", Type: "t", Data: appenderFunc(func(b []byte) ([]byte, error) { return append(b, `{"k":1}`...), nil })},
}

type appenderFunc func(b []byte) ([]byte, error)

func (f appenderFunc) AppendJSON(b []byte) ([]byte, error) { return f(b) }

// sameEvent fails t unless NewEvent's answer for s is the setters' one.
func sameEvent(t *testing.T, s Spec) {
	t.Helper()
	got, gerr := NewEvent(s)
	want, werr := newEventBySetters(s)
	if errorLines(gerr) != errorLines(werr) {
		t.Fatalf("NewEvent(%+v): error %v; the setters say %v", s, gerr, werr)
	}
	if werr != nil {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("NewEvent(%+v)\n got %#v\nwant %#v", s, got.Context, want.Context)
	}
	if g, w := got.String(), want.String(); g != w {
		t.Fatalf("NewEvent(%+v)\n got %s\nwant %s", s, g, w)
	}
}

// errorLines is err's text with its lines sorted: the SDK lists a
// ValidationError's attributes in a map's order.
func errorLines(err error) string {
	if err == nil {
		return ""
	}
	lines := strings.Split(strings.Replace(err.Error(), "CloudEvent: ", "CloudEvent:\n", 1), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func TestNewEventAsBySetters(t *testing.T) {
	for _, s := range specCases {
		sameEvent(t, s)
	}
}

// FuzzNewEvent holds NewEvent to the SDK's setters and Validate on
// specs of the fuzzer's strings.
func FuzzNewEvent(f *testing.F) {
	for _, s := range specCases {
		if _, ok := s.Data.(appenderFunc); ok || s.Data != nil {
			continue
		}
		f.Add(s.ID, s.Source, s.Type, s.Subject, s.Schema, s.PartitionKey, s.Facts.Repository, s.Facts.Tag, s.Facts.OccurredAt.UnixNano())
	}
	f.Fuzz(func(t *testing.T, id, source, typ, subject, schema, partition, repo, tag string, at int64) {
		var when time.Time
		if at != 0 {
			when = time.Unix(0, at).UTC()
		}
		sameEvent(t, Spec{ID: id, Source: source, Type: typ, Subject: subject, Schema: schema, PartitionKey: partition,
			Facts: Facts{Repository: repo, Tag: tag, Digest: tag + repo, OccurredAt: when}, Data: map[string]string{"k": subject}})
	})
}

// appendedData is a DataAppender, as the registries' Data types are.
type appendedData struct{ Note string }

func (d appendedData) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"Note":`...)
	return append(rawjson.AppendString(b, d.Note), '}'), nil
}

// TestDataKeepsHTMLCharacters: an event's data says '<', '>' and '&' as
// they were sent, whether its Data writes its own JSON or is encoded for
// it (Harbor's, ECR's, GCR's and zot's are), so that every registry's
// events read alike. json.Marshal would write \u003c and so on.
func TestDataKeepsHTMLCharacters(t *testing.T) {
	for _, data := range []any{appendedData{Note: "<a & b>"}, struct{ Note string }{"<a & b>"}, map[string]any{"Note": "<a & b>"}} {
		e, err := NewEvent(Spec{ID: "x", Source: "urn:a", Type: "t", Data: data})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := string(e.Data()), `{"Note":"<a & b>"}`; got != want {
			t.Errorf("data of %T is %s, want %s", data, got, want)
		}
		if e.DataContentType() != "application/json" || e.DataBase64 {
			t.Errorf("data of %T is marked %q (base64 %v), want application/json", data, e.DataContentType(), e.DataBase64)
		}
	}
}
