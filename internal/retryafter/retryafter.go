// Package retryafter reads the Retry-After header, which both of hubwire's
// HTTP clients (the callback poster and replay's HTTP output) honour.
package retryafter

import (
	"net/http"
	"strconv"
	"time"
)

// Parse reads a Retry-After header, seconds or an HTTP date; 0 when there
// is none or it cannot be read.
func Parse(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}
