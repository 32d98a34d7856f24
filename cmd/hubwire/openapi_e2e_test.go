package main

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hubwire/hubwire/adapter/dtr"
	"github.com/hubwire/hubwire/schemas"
	"github.com/hubwire/hubwire/server"
)

// openAPIURL is where the test pretends the OpenAPI document is served, so
// that its references ("#/components/schemas/Record") resolve.
const openAPIURL = "http://hubwire.test/schemas/" + schemas.OpenAPIFile

// openAPI is the parts of schemas/openapi.json the test reads.
type openAPI struct {
	OpenAPI string
	Paths   map[string]map[string]struct {
		Parameters []struct {
			Name, In string
			Example  any
		}
		Responses map[string]json.RawMessage
	}
	Components struct {
		SecuritySchemes map[string]struct{ Type, In, Name string }
	}
}

// TestOpenAPI: the answers of a running hubwire's GET /api/events and GET
// /api/events/{id} (an event with acks and a callback, one with a
// duplicate, a page and the next, every filter, the errors) are what
// schemas/openapi.json says, checked with the JSON Schema validator the
// schemas' tests use; and the query parameters it documents are exactly
// those the handler reads.
func TestOpenAPI(t *testing.T) {
	raw, err := fs.ReadFile(schemas.FS(), schemas.OpenAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPI
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	jdoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource(openAPIURL, jdoc); err != nil {
		t.Fatal(err)
	}
	schema := map[string]*jsonschema.Schema{}
	for _, name := range []string{"EventList", "Record", "Error"} {
		if schema[name], err = c.Compile(openAPIURL + "#/components/schemas/" + name); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}

	// Events to list: one with a callback, acked and called back; one
	// delivered twice; one without a record (read from the stream).
	cb := newRegistryCallbacks(t, 200)
	inst := startHubwire(t, t.TempDir(), allowTestCallbacks...)
	hubID := deliver(t, inst, hubDelivery(t, cb.URL, "1.4"))
	if code, out := ackCLI(t, natsURLOf(inst), hubID, "--consumer", "ci", "--state", "success", "--description", "deployed"); code != 0 {
		t.Fatal(out)
	}
	waitFor(t, "the callback", func() bool { return len(cb.received()) == 1 })
	waitFor(t, "the callback's outcome", func() bool { return eventRecord(t, inst, hubID).Callback.Outcome == "sent" })
	dupID := deliver(t, inst, hubDelivery(t, cb.URL, "1.5"))
	deliver(t, inst, hubDelivery(t, cb.URL, "1.5"))
	push, _ := dtr.Samples.ReadFile("samples/tag-push.json")
	post(t, inst.WebhookURL("dtr"), "application/json", push)

	check := func(what, path string, wantStatus int, s string) []byte {
		t.Helper()
		status, body := apiGet(t, inst, path, true)
		if status != wantStatus {
			t.Fatalf("%s: GET %s answered %d, want %d: %s", what, path, status, wantStatus, body)
		}
		if _, ok := doc.Paths[strings.Split(templated(path), "?")[0]]["get"].Responses[strconv.Itoa(status)]; !ok {
			t.Errorf("%s: GET %s answered %d, which openapi.json does not list", what, path, status)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: not JSON: %v: %s", what, err, body)
		}
		if err := schema[s].Validate(v); err != nil {
			t.Errorf("%s: GET %s does not match %s: %v\n%.500s", what, path, s, err, body)
		}
		return body
	}

	var list struct {
		Events []struct {
			ID         string
			Duplicates int
			Acks       []any
			Callback   struct{ Attempts []any }
		}
		Next string
	}
	json.Unmarshal(check("the list", "/api/events", 200, "EventList"), &list)
	if len(list.Events) != 3 {
		t.Fatalf("the list holds %d events, want 3", len(list.Events))
	}
	for _, e := range list.Events {
		switch e.ID {
		case hubID:
			if len(e.Acks) != 1 || len(e.Callback.Attempts) != 1 {
				t.Errorf("the acked event in the list: %+v", e)
			}
		case dupID:
			if e.Duplicates != 1 {
				t.Errorf("the event delivered twice in the list: %+v", e)
			}
		}
	}
	json.Unmarshal(check("a page of one", "/api/events?limit=1", 200, "EventList"), &list)
	if list.Next == "" {
		t.Fatal("a page of one of three has no next")
	}
	check("the next page", "/api/events?limit=1&cursor="+url.QueryEscape(list.Next), 200, "EventList")
	check("an event with acks and a callback", "/api/events/"+hubID, 200, "Record")
	check("an event delivered twice", "/api/events/"+dupID, 200, "Record")
	check("no such event", "/api/events/no-such-event", 404, "Error")
	check("an unknown filter", "/api/events?registy=dtr", 400, "Error")
	check("a bad limit", "/api/events?limit=0", 400, "Error")

	// Every query parameter documented is taken, with its example.
	documented := map[string]bool{}
	for _, p := range doc.Paths["/api/events"]["get"].Parameters {
		if p.In != "query" {
			continue
		}
		documented[p.Name] = true
		v := list.Next // the cursor's example is a real one
		if p.Example != nil {
			v = strings.TrimSuffix(strings.TrimPrefix(string(mustJSON(t, p.Example)), `"`), `"`)
		}
		check("the filter "+p.Name, "/api/events?"+url.Values{p.Name: {v}}.Encode(), 200, "EventList")
	}
	for _, s := range doc.Components.SecuritySchemes {
		if s.Type == "apiKey" && s.In == "query" {
			documented[s.Name] = true
		}
	}
	// The token as the documented query parameter works too, and no token
	// is the receiver's 404.
	if status, body := apiGet(t, inst, "/api/events?access_token="+url.QueryEscape(inst.Token()), false); status != 200 {
		t.Errorf("the token as access_token: %d %s", status, body)
	}
	if status, _ := apiGet(t, inst, "/api/events", false); status != 404 {
		t.Errorf("no token: %d, want the 404 openapi.json documents", status)
	}

	// The document is served beside the schemas.
	if status, body := apiGet(t, inst, "/schemas/"+schemas.OpenAPIFile, false); status != 200 || !bytes.Equal(body, raw) {
		t.Errorf("GET /schemas/%s: %d, %d bytes, want the %d of schemas/%[1]s", schemas.OpenAPIFile, status, len(body), len(raw))
	}

	// And every parameter the handler reads is documented.
	read := handlerParameters(t)
	for name := range documented {
		if !slices.Contains(read, name) {
			t.Errorf("openapi.json documents the parameter %q, which reply.ParseQuery does not read", name)
		}
	}
	for _, name := range read {
		if !documented[name] {
			t.Errorf("reply.ParseQuery reads the parameter %q, which openapi.json does not document", name)
		}
	}
}

// apiGet GETs path of inst's API, with the token as a Bearer token or
// without one.
func apiGet(t *testing.T, inst *server.Server, path string, withToken bool) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, inst.PublicURL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if withToken {
		req.Header.Set("Authorization", "Bearer "+inst.Token())
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// templated is the OpenAPI path of a request's path.
func templated(path string) string {
	if rest, ok := strings.CutPrefix(path, "/api/events/"); ok && rest != "" {
		return "/api/events/{id}"
	}
	return path
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// handlerParameters are the query parameters reply.ParseQuery reads: the
// string cases of its switch on the parameter's name, read from its source.
func handlerParameters(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../../adapter/reply/api.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	ast.Inspect(f, func(n ast.Node) bool {
		fn, ok := n.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "ParseQuery" {
			return true
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			sw, ok := n.(*ast.SwitchStmt)
			if !ok {
				return true
			}
			if tag, ok := sw.Tag.(*ast.Ident); !ok || tag.Name != "name" {
				return true
			}
			for _, s := range sw.Body.List {
				for _, e := range s.(*ast.CaseClause).List {
					if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						v, _ := strconv.Unquote(lit.Value)
						names = append(names, v)
					}
				}
			}
			return false
		})
		return false
	})
	if len(names) < 10 {
		t.Fatalf("read %d parameters from reply.ParseQuery's switch: %v", len(names), names)
	}
	return names
}
