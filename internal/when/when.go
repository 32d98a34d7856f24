// Package when reads the times hubwire's filters take (replay and tail's
// --since and --until, the history API's since and until): a duration
// back from now, or a point in time.
package when

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// Parse reads a duration back from now (30m, 2h, 7d) or a point in time
// (RFC 3339, or a date).
func Parse(text string, now time.Time) (time.Time, error) {
	const want = "want a duration back from now (30m, 2h, 7d) or a time (2026-11-01T00:00:00Z or 2026-11-01)"
	if t, err := time.Parse(time.RFC3339Nano, text); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, text); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(text)
	if days, ok := strings.CutSuffix(text, "d"); ok && err != nil {
		n, nerr := strconv.Atoi(days)
		if nerr != nil || n > math.MaxInt32/24 {
			return time.Time{}, errors.New(want)
		}
		d, err = time.Duration(n)*24*time.Hour, nil
	}
	if err != nil {
		return time.Time{}, errors.New(want)
	}
	if d < 0 {
		return time.Time{}, errors.New("a duration back from now is positive (2h, not -2h)")
	}
	return now.Add(-d), nil
}
