package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter/dockerhub"
	"github.com/hubwire/hubwire/adapter/dtr"
)

const sendSummary = `Post a realistic delivery to a hubwire receiver (or any webhook receiver),
to try a setup end to end without a registry. The source is dockerhub or dtr;
--to is the webhook URL hubwire serve printed.

  hubwire send dtr --to http://127.0.0.1:8080/hooks/dtr/<token> --type SCAN_COMPLETED
  hubwire send dockerhub --to http://127.0.0.1:8080/hooks/dockerhub/<token>
  hubwire send dtr --to … --file my-delivery.json

By default the delivery's time is set to now, so each send is a new event;
--fresh=false sends the sample exactly as it is (a second send is then a
duplicate, answered "duplicate": true).`

// samples are the deliveries hubwire is tested with, per source.
var samples = map[string]fs.FS{dockerhub.SourceName: dockerhub.Samples, dtr.SourceName: dtr.Samples}

func sendCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var to, typ, sample, file string
	var fresh, list bool
	var timeout time.Duration
	f := newFlags("send", sendSummary)
	f.positional = " <dockerhub|dtr>"
	f.SetOutput(stderr)
	f.StringVar(&to, "to", "", "webhook `URL` to post to (required)")
	f.StringVar(&typ, "type", "", "DTR event `type` to send (TAG_PUSH, SCAN_COMPLETED, …); default TAG_PUSH")
	f.StringVar(&sample, "sample", "", "`name` of a sample to send (see --list)")
	f.StringVar(&file, "file", "", "post this `file` instead of a sample (- for standard input)")
	f.BoolVar(&fresh, "fresh", true, "set the delivery's time to now, so that each send is a new event")
	f.BoolVar(&list, "list", false, "list the samples of the source and exit")
	f.DurationVar(&timeout, "timeout", 30*time.Second, "time limit of the request (`duration`)")
	source, err := f.parseOne(args, getenv, "source (dockerhub or dtr)")
	if err != nil {
		return err
	}
	fsys, ok := samples[source]
	if !ok {
		return fmt.Errorf("source %q: want dockerhub or dtr", source)
	}
	names, err := sampleNames(fsys)
	if err != nil {
		return err
	}
	if list {
		for _, n := range names {
			fmt.Fprintln(stdout, n)
		}
		return nil
	}
	if u, err := url.Parse(to); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--to %q: want the receiver's webhook URL, http(s)://host/hooks/%s/<token>", to, source)
	}

	var body []byte
	switch {
	case file == "-":
		body, err = io.ReadAll(os.Stdin)
	case file != "":
		body, err = os.ReadFile(file)
	default:
		body, err = pickSample(fsys, names, source, typ, sample)
	}
	if err != nil {
		return err
	}
	if fresh && file == "" {
		body = freshen(body, source, time.Now().UTC())
	}

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, to, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("posting to %s: %w", redactPath(to), err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	fmt.Fprintf(stdout, "%s\n%s", resp.Status, answer)
	if len(answer) > 0 && answer[len(answer)-1] != '\n' {
		fmt.Fprintln(stdout)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return errRefused
	}
	return nil
}

func sampleNames(fsys fs.FS) ([]string, error) {
	entries, err := fs.ReadDir(fsys, "samples")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(names)
	return names, nil
}

// pickSample chooses by --sample, or for DTR by --type, or the source's
// everyday delivery.
func pickSample(fsys fs.FS, names []string, source, typ, sample string) ([]byte, error) {
	if sample == "" && typ != "" {
		if source != dtr.SourceName {
			return nil, fmt.Errorf("--type is for dtr; Docker Hub sends only pushes (see --list for its samples)")
		}
		sample = strings.ReplaceAll(strings.ToLower(typ), "_", "-")
		if typ == "SCANNER_UPDATE_COMPLETED" {
			sample = "scanner-update-completed"
		}
		if typ == "REPO_EVENT" {
			sample = "repo-event-envelope"
		}
	}
	if sample == "" {
		sample = map[string]string{dockerhub.SourceName: "current", dtr.SourceName: "tag-push"}[source]
	}
	b, err := fs.ReadFile(fsys, "samples/"+sample+".json")
	if err != nil {
		return nil, fmt.Errorf("no %s sample %q; there are: %s", source, sample, strings.Join(names, ", "))
	}
	return b, nil
}

// freshen sets the delivery's time to now: DTR's createdAt, Hub's
// pushed_at. The rest stays as it is.
func freshen(body []byte, source string, now time.Time) []byte {
	var d map[string]json.RawMessage
	if json.Unmarshal(body, &d) != nil {
		return body
	}
	switch source {
	case dtr.SourceName:
		d["createdAt"], _ = json.Marshal(now.Format(time.RFC3339Nano))
	case dockerhub.SourceName:
		var push map[string]json.RawMessage
		if json.Unmarshal(d["push_data"], &push) != nil || push == nil {
			return body
		}
		push["pushed_at"] = json.RawMessage(fmt.Sprint(now.Unix()))
		d["push_data"], _ = json.Marshal(push)
	}
	out, err := json.Marshal(d)
	if err != nil {
		return body
	}
	return out
}

// redactPath keeps the token in a webhook URL out of error messages.
func redactPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the receiver"
	}
	return u.Scheme + "://" + u.Host
}
