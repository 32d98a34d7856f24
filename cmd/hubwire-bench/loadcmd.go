package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"slices"
	"time"
)

// loadCommand is `hubwire-bench load`: the load generator alone, against
// receivers already running (a hubwire elsewhere, a staging instance, a
// build under a profiler), printing what it saw.
func loadCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hubwire-bench load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dtrURL := fs.String("dtr", "", "`URL` of the DTR webhook, such as http://127.0.0.1:8080/hooks/dtr/<token>\n(required unless --dockerhub is given)")
	hubURL := fs.String("dockerhub", "", "`URL` of the Docker Hub webhook; without it the mix is DTR only")
	distURL := fs.String("distribution", "", "`URL` of the CNCF distribution webhook (its share of the mix is\nleft out without it)")
	ghURL := fs.String("github", "", "`URL` of the GitHub Packages webhook (likewise)")
	concurrency := fs.Int("concurrency", 64, "concurrent connections")
	duration := fs.Duration("duration", 10*time.Second, "how long to send for")
	count := fs.Int64("requests", 0, "stop after this many requests (0: send for --duration)")
	rate := fs.Float64("rate", 0, "requests a second in all (0: each connection sends as soon as it is answered)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: hubwire-bench load --dtr URL [--dockerhub URL] [--distribution URL] [--github URL] [flags]

Posts the benchmark's mix of deliveries (50% DTR TAG_PULL, 10% TAG_PUSH,
10% SCAN_COMPLETED, 10% Docker Hub pushes with a callback_url, 10% CNCF
distribution envelopes of a manifest push, 10% GitHub package deliveries;
each a new occurrence) to receivers already running, and prints
requests/s, latency and the answers by status. A registry without a URL
is left out, its share going to the others.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: every setting is a flag (see --help)", fs.Arg(0))
	}
	hooks := map[string]string{}
	for source, u := range map[string]string{"dtr": *dtrURL, "dockerhub": *hubURL, "distribution": *distURL, "github": *ghURL} {
		if u == "" {
			continue
		}
		if err := checkURL(u); err != nil {
			return fmt.Errorf("--%s: %w", source, err)
		}
		hooks[source] = u
	}
	switch {
	case len(hooks) == 0:
		return errors.New("no receiver: give --dtr URL and/or --dockerhub URL (hubwire serve prints both)")
	case *concurrency < 1:
		return fmt.Errorf("--concurrency %d: must be at least 1", *concurrency)
	case *duration <= 0:
		return fmt.Errorf("--duration %v: must be positive", *duration)
	case *count < 0:
		return fmt.Errorf("--requests %d: must be 0 or more", *count)
	case *rate < 0:
		return fmt.Errorf("--rate %v: must be 0 or more", *rate)
	}
	r := loadCount(ctx, newMix(), hooks, *concurrency, *duration, *rate, *count)
	printLoad(stdout, r)
	if r.requests == 0 {
		return errors.New("no request was answered: is the receiver running at that URL?")
	}
	for code := range r.statuses {
		if code >= 200 && code < 300 {
			return nil
		}
	}
	return errors.New("no delivery was accepted: a 404 means a wrong URL or token (hubwire serve prints the URLs with theirs)")
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http:// or https:// URL", raw)
	}
	return nil
}

// printLoad writes what one load run saw.
func printLoad(w io.Writer, r result) {
	fmt.Fprintf(w, "requests  %d in %v: %.0f req/s\n", r.requests, r.elapsed.Round(time.Millisecond), r.rate())
	fmt.Fprintf(w, "latency   p50 %s  p90 %s  p99 %s  max %s\n", ms(r.quantile(.5)), ms(r.quantile(.9)), ms(r.quantile(.99)), ms(r.quantile(1)))
	codes := make([]int, 0, len(r.statuses))
	for code := range r.statuses {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	fmt.Fprint(w, "answers  ")
	for _, code := range codes {
		fmt.Fprintf(w, " %d: %d", code, r.statuses[code])
	}
	fmt.Fprintf(w, "\nerrors    %d (no answer)\n", r.errors)
	fmt.Fprintf(w, "duplicates %d (answered \"duplicate\": true; each delivery sent is a new occurrence)\n", r.duplicates)
}
