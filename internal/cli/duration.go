package cli

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

const day = 24 * time.Hour

var errDuration = errors.New("want a duration such as 90s, 15m, 2h, 30d or 1d12h")

// ParseDuration reads a Go duration (90s, 1h30m) that may start with a
// number of days (30d, 1d12h, 0.5d): retention is said in days, which
// Go's durations do not take.
func ParseDuration(s string) (time.Duration, error) {
	text, sign := strings.TrimSpace(s), time.Duration(1)
	if rest, ok := strings.CutPrefix(text, "-"); ok {
		text, sign = rest, -1
	}
	days, rest, hasDays := strings.Cut(text, "d")
	if !hasDays {
		d, err := time.ParseDuration(text)
		if err != nil {
			return 0, errDuration
		}
		return sign * d, nil
	}
	if days == "" || strings.Trim(days, "0123456789.") != "" {
		return 0, errDuration
	}
	n, err := strconv.ParseFloat(days, 64)
	if err != nil {
		return 0, errDuration
	}
	var more time.Duration
	if rest != "" {
		if more, err = time.ParseDuration(rest); err != nil || more < 0 {
			return 0, errDuration
		}
	}
	if n*float64(day) > float64(math.MaxInt64-more) {
		return 0, errors.New("out of range: at most about 106751d")
	}
	return sign * (time.Duration(n*float64(day)) + more), nil
}

// FormatDuration writes d as ParseDuration reads it, shortly: 30d,
// 1d12h, 2h, 1h30m, 45s, 0s.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		return "-" + FormatDuration(-d)
	}
	var b strings.Builder
	if d >= day {
		b.WriteString(strconv.FormatInt(int64(d/day), 10) + "d")
		if d %= day; d == 0 {
			return b.String()
		}
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	b.WriteString(s)
	return b.String()
}
