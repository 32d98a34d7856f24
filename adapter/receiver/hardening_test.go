package receiver_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hubwire/hubwire/adapter/all"
)

// TestBadValueQuotedAsAnExcerpt: a 400 names the bad value by its start
// and its length; a 900 KB field gives neither a 900 KB answer nor a
// 900 KB log line.
func TestBadValueQuotedAsAnExcerpt(t *testing.T) {
	var logs bytes.Buffer
	ts, _ := serveRegistries(t, all.Registries, 2<<20, &logs)
	big := strings.Repeat("x", 900_000)
	for name, c := range map[string]struct{ source, body, says string }{
		"unknown DTR type":        {"dtr", `{"type":"` + big + `","createdAt":"2024-01-01T00:00:00Z","contents":{}}`, `unknown DTR event type "xxxx`},
		"Docker Hub repo_name":    {"dockerhub", `{"push_data":{"pushed_at":1,"tag":"1"},"repository":{"repo_name":"/` + big + `"}}`, `is not namespace/name`},
		"a number that is not":    {"dockerhub", `{"push_data":{"pushed_at":"` + big + `","tag":"1"},"repository":{"repo_name":"a/b"}}`, `must be a number, not "xxxx`},
		"Content-Type in the 415": {"dtr", tagPush, `Content-Type "text/xxxx`},
	} {
		t.Run(name, func(t *testing.T) {
			logs.Reset()
			ct := "application/json"
			if strings.HasPrefix(name, "Content-Type") {
				ct = "text/" + big
			}
			resp, body := request(t, "POST", ts.URL+"/hooks/"+c.source+"/"+token, ct, c.body)
			msg, _ := body["error"].(string)
			if resp.StatusCode/100 != 4 || !strings.Contains(msg, c.says) || !strings.Contains(msg, "(90000") || len(msg) > 512 {
				t.Errorf("answer %d, %d bytes: %.300s", resp.StatusCode, len(msg), msg)
			}
			if logs.Len() > 2048 || !strings.Contains(logs.String(), "bytes)") {
				t.Errorf("log of %d bytes: %.300s", logs.Len(), logs.String())
			}
		})
	}
}

// TestDuplicateKeysAndBadUTF8Are400: a delivery that names a key twice
// (two DTR deliveries about different repositories once got one id) or
// holds bytes that are not UTF-8 is answered 400 naming the key or the
// offset, never published.
func TestDuplicateKeysAndBadUTF8Are400(t *testing.T) {
	ts, _ := serveReceiver(t, 1<<20, nil)
	hook := ts.URL + "/hooks/dtr/" + token
	for body, want := range map[string][2]string{
		`{"type":"TAG_PUSH","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","repository":"c","tag":"1"}}`:          {"contents.repository", "appears twice"},
		`{"type":"TAG_PUSH","type":"TAG_PUSH","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","tag":"1"}}`:         {"type", "appears twice"},
		"{\"type\":\"TAG_PUSH\",\"createdAt\":\"2024-01-01T00:00:00Z\",\"contents\":{\"namespace\":\"a\",\"repository\":\"b\xff\",\"tag\":\"1\"}}": {"", "not valid UTF-8 at byte offset 97"},
	} {
		resp, out := request(t, "POST", hook, "application/json", body)
		if f, _ := out["field"].(string); resp.StatusCode != 400 || f != want[0] || !contains(out["error"], want[1]) {
			t.Errorf("%q: %d %v; want 400 naming %q, saying %q", body, resp.StatusCode, out, want[0], want[1])
		}
	}
}

// TestBodyOfAnglesFits: a 760 KB body of '<', under the 1 MiB limit, was
// answered a final 413 because escaping grew its payload 6 times; it is
// published at about its own size now. A body that truly cannot fit is
// answered 413 saying why: its size once encoded and the broker's limit.
func TestBodyOfAnglesFits(t *testing.T) {
	ts, _ := serveReceiver(t, 2<<20, nil) // the embedded server's max payload: 1 MiB
	hook := ts.URL + "/hooks/dtr/" + token
	body := func(n int) string {
		return `{"type":"TAG_PUSH","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"a","repository":"b","tag":"1","note":"` + strings.Repeat("<", n) + `"}}`
	}
	if resp, out := request(t, "POST", hook, "application/json", body(760_000)); resp.StatusCode != 202 {
		t.Errorf("760 KB of '<': %d %v", resp.StatusCode, out)
	}
	resp, out := request(t, "POST", hook, "application/json", body(1_100_000))
	msg, _ := out["error"].(string)
	if resp.StatusCode != 413 || !strings.Contains(msg, "bytes once encoded as a CloudEvent") || !strings.Contains(msg, "max payload of 1048576 bytes") {
		t.Errorf("1.1 MB: %d %v", resp.StatusCode, out)
	}
}
