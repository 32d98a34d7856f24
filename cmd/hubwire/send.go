package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/all"
	"github.com/hubwire/hubwire/internal/cli"
	"github.com/hubwire/hubwire/internal/redact"
)

var sendSummary = `Post a realistic delivery to a hubwire receiver (or any webhook receiver),
to try a setup end to end without a registry. The source is ` + oneOf(all.Registries.Names()) + `;
--to is the webhook URL hubwire serve printed.

  hubwire send dtr --to http://127.0.0.1:8080/hooks/dtr/<token> --type SCAN_COMPLETED
  hubwire send dockerhub --to http://127.0.0.1:8080/hooks/dockerhub/<token>
  hubwire send dtr --to … --file my-delivery.json

By default the delivery's time is set to now, so each send is a new event;
--fresh=false sends the sample exactly as it is (a second send is then a
duplicate, answered "duplicate": true).`

// sendArgs is what send's flags say.
type sendArgs struct {
	to, typ, sample, file string
	fresh, list           bool
	timeout               time.Duration
}

func (x *sendArgs) flags(out io.Writer) *cli.Flags {
	f := cli.New("send", sendSummary)
	f.Positional = " <" + strings.Join(all.Registries.Names(), "|") + ">"
	f.SetOutput(out)
	to, typ, sample, file, fresh, list, timeout := &x.to, &x.typ, &x.sample, &x.file, &x.fresh, &x.list, &x.timeout
	f.StringVar(to, "to", "", "webhook `URL` to post to (required)")
	f.StringVar(typ, "type", "", "the registry's own name of the event `type` to send (DTR's TAG_PUSH,\nSCAN_COMPLETED, …); default its everyday delivery")
	f.StringVar(sample, "sample", "", "`name` of a sample to send (see --list)")
	f.StringVar(file, "file", "", "post this `file` instead of a sample (- for standard input)")
	f.BoolVar(fresh, "fresh", true, "set the delivery's time to now, so that each send is a new event")
	f.BoolVar(list, "list", false, "list the samples of the source and exit")
	f.DurationVar(timeout, "timeout", 30*time.Second, "time limit of the request (`duration`)")
	return f
}

func sendCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var x sendArgs
	f := x.flags(stderr)
	source, err := f.ParseOne(args, getenv, "source ("+oneOf(all.Registries.Names())+")")
	if err != nil {
		return err
	}
	to, typ, sample, file, fresh, list, timeout := x.to, x.typ, x.sample, x.file, x.fresh, x.list, x.timeout
	reg, ok := all.Registries.Get(source)
	if !ok {
		return fmt.Errorf("source %q: want %s", source, oneOf(all.Registries.Names()))
	}
	if list {
		for _, n := range reg.SampleNames() {
			fmt.Fprintln(stdout, n)
		}
		return nil
	}
	if to == "" {
		return fmt.Errorf("--to is missing: give the receiver's webhook URL, http(s)://host/hooks/%s/<token>", source)
	}
	if u, err := url.Parse(to); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// Not the URL itself: its path holds the token.
		return fmt.Errorf("--to %s: want the receiver's webhook URL, http(s)://host/hooks/%s/<token>", redact.HostOr(to, "(not a URL)"), source)
	}

	d := adapter.Delivery{Header: http.Header{"Content-Type": {"application/json"}}}
	switch {
	case file == "-":
		d.Body, err = io.ReadAll(os.Stdin)
	case file != "":
		d.Body, err = os.ReadFile(file)
	default:
		var name string
		if name, err = pickSample(reg, typ, sample); err == nil {
			d, err = reg.SampleDelivery(name) // with the headers and query it is sent with
		}
	}
	if err != nil {
		return err
	}
	if fresh && file == "" && reg.Freshen != nil {
		now := time.Now().UTC()
		d.Body = reg.Freshen(d.Body, now)
		if reg.FreshenHeader != nil {
			reg.FreshenHeader(d.Header, now)
		}
	}
	if len(d.Query) > 0 {
		sep := "?"
		if strings.Contains(to, "?") {
			sep = "&"
		}
		to += sep + d.Query.Encode()
	}

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, to, bytes.NewReader(d.Body))
	if err != nil {
		return fmt.Errorf("--to: %s", redact.Error(err))
	}
	req.Header = d.Header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("posting to %s: %s", redact.HostOr(to, "the receiver"), redact.Error(err))
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

// pickSample names the sample --sample or --type chooses; "" for the
// registry's everyday delivery.
func pickSample(reg adapter.Registry, typ, sample string) (string, error) {
	if sample == "" && typ != "" {
		if len(reg.NativeNames()) == 0 {
			var named []string
			for _, r := range all.Registries {
				if len(r.NativeNames()) > 0 {
					named = append(named, r.Name)
				}
			}
			return "", fmt.Errorf("--type is for %s; %s names no event types (see --list for its samples)", oneOf(named), reg.Title)
		}
		var err error
		if sample, err = reg.SampleOf(typ); err != nil {
			return "", fmt.Errorf("--type %q: %w", typ, err)
		}
	}
	return sample, nil
}
