package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// soakCommand is `hubwire-bench soak`: hubwire under half of its maximum
// rate for a long while, its resident set sampled at an interval, printed
// and drawn, to show whether memory plateaus.
func soakCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hubwire-bench soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bin := fs.String("hubwire", "bin/hubwire", "the hubwire binary to soak")
	duration := fs.Duration("duration", 15*time.Minute, "how long to hold the load")
	interval := fs.Duration("interval", 10*time.Second, "how often to sample the resident set")
	concurrency := fs.Int("concurrency", 64, "concurrent connections")
	plot := fs.String("png", "soak.png", "where to draw the resident set over time")
	var extra []string
	fs.Func("hubwire-flag", "a flag to pass to hubwire serve (repeatable), such as --duplicate-window=2m", func(v string) error {
		extra = append(extra, v)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q: every setting is a flag (see --help)", fs.Arg(0))
	case *duration < 3**interval:
		return fmt.Errorf("--duration %v: must be at least three --interval (%v) to see a plateau", *duration, *interval)
	case *interval <= 0:
		return fmt.Errorf("--interval %v: must be positive", *interval)
	}
	tmp, err := os.MkdirTemp("", "hubwire-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	p, err := startHubwire(*bin, filepath.Join(tmp, "data"), extra...)
	if err != nil {
		return err
	}
	defer p.stop()

	full := load(ctx, p.mix, p.hooks, *concurrency, 10*time.Second, 0)
	if full.requests == 0 {
		return errors.New("hubwire answered nothing at full load")
	}
	rate := full.rate() / 2
	fmt.Fprintf(stdout, "maximum %.0f req/s; holding %.0f req/s for %v, sampling every %v\n", full.rate(), rate, *duration, *interval)

	var samples []float64
	done := make(chan result, 1)
	go func() { done <- load(ctx, p.mix, p.hooks, *concurrency, *duration, rate) }()
	tick := time.NewTicker(*interval)
	defer tick.Stop()
	t0 := time.Now()
	var r result
wait:
	for {
		select {
		case r = <-done:
			break wait
		case <-tick.C:
			rss, _ := p.memory()
			samples = append(samples, rss)
			fmt.Fprintf(stdout, "%8s  RSS %6.1f MiB\n", time.Since(t0).Round(time.Second), rss)
		}
	}
	printLoad(stdout, r)
	title := fmt.Sprintf("hubwire RSS (MiB) at %.0f req/s, one sample every %v, %v in all", rate, *interval, *duration)
	if err := drawRSS(*plot, title, samples); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "plot: %s\n", *plot)
	if len(samples) < 3 {
		return errors.New("too few samples to judge a plateau")
	}
	third := len(samples) / 3
	mid, last := maxOf(samples[third:2*third]), maxOf(samples[2*third:])
	fmt.Fprintf(stdout, "peak RSS in the middle third %.1f MiB, in the last third %.1f MiB (%.2fx)\n", mid, last, last/mid)
	if r.duplicates > 0 {
		return fmt.Errorf("%d deliveries were answered \"duplicate\": true, though each was new", r.duplicates)
	}
	return nil
}

func maxOf(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

// drawRSS draws samples (MiB, one per interval) as a line on a white
// canvas with a labelled grid line every 32 MiB, from 0 to the peak
// rounded up.
func drawRSS(path, title string, samples []float64) error {
	const w, h, pad = 800, 400, 40
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	top := 64.0
	for top < maxOf(samples) {
		top *= 2
	}
	y := func(mib float64) int { return h - pad - int(mib/top*float64(h-2*pad)) }
	grid := color.RGBA{0xdd, 0xdd, 0xdd, 0xff}
	text := func(x, y int, s string) {
		d := font.Drawer{Dst: img, Src: image.Black, Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
		d.DrawString(s)
	}
	text(pad, pad/2+4, title)
	for mib := 0.0; mib <= top; mib += 32 {
		for x := pad; x < w-pad; x++ {
			img.Set(x, y(mib), grid)
		}
		text(4, y(mib)+4, fmt.Sprint(mib))
	}
	line := color.RGBA{0x1f, 0x5f, 0xbf, 0xff}
	for i := 1; i < len(samples); i++ {
		x0 := pad + (i-1)*(w-2*pad)/max(len(samples)-1, 1)
		x1 := pad + i*(w-2*pad)/max(len(samples)-1, 1)
		y0, y1 := y(samples[i-1]), y(samples[i])
		for x := x0; x <= x1; x++ {
			yy := y0 + (y1-y0)*(x-x0)/max(x1-x0, 1)
			for d := -1; d <= 1; d++ {
				img.Set(x, yy+d, line)
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
