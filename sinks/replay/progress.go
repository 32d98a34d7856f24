package replay

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// progress shows how far a replay is, as a bar on w when w is a terminal,
// and prints its messages so that they do not mix with the bar.
type progress struct {
	w     io.Writer
	total int64
	read  atomic.Int64
	start time.Time

	mu    sync.Mutex // orders writes to w
	drawn bool       // the bar is on the last line
	done  chan struct{}
	wg    sync.WaitGroup
}

// progressEvery is how often the bar is redrawn.
const progressEvery = 200 * time.Millisecond

func newProgress(w io.Writer) *progress {
	if w == nil {
		w = io.Discard
	}
	return &progress{w: w, start: time.Now(), done: make(chan struct{})}
}

// begin starts the bar, if w is a terminal; total is how many events there
// are to read.
func (p *progress) begin(total int64) {
	p.total, p.start = total, time.Now()
	if !isTerminal(p.w) {
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.draw()
			case <-p.done:
				return
			}
		}
	}()
}

// isTerminal reports whether w is a character device, as a terminal is.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (p *progress) draw() {
	n := p.read.Load()
	const width = 30
	filled := width
	if p.total > 0 {
		filled = int(min(n*width/p.total, width))
	}
	elapsed := time.Since(p.start).Seconds()
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r\033[K[%s%s] %d/%d events, %s/s", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), n, p.total, perSecond(n, elapsed))
	p.drawn = true
}

// logf prints one line of its own, above the bar.
func (p *progress) logf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
	fmt.Fprintf(p.w, "hubwire: "+format+"\n", args...)
}

// stop removes the bar.
func (p *progress) stop() {
	close(p.done)
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}

// perSecond formats a rate for people: 850, 12.3k, 1.25M.
func perSecond(n int64, seconds float64) string {
	if seconds <= 0 {
		return "-"
	}
	r := float64(n) / seconds
	switch {
	case r >= 1e6:
		return fmt.Sprintf("%.2fM", r/1e6)
	case r >= 1e4:
		return fmt.Sprintf("%.1fk", r/1e3)
	}
	return fmt.Sprintf("%.0f", r)
}
