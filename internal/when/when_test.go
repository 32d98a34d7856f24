package when

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)
	for text, want := range map[string]time.Time{
		"2h":                          now.Add(-2 * time.Hour),
		"90m":                         now.Add(-90 * time.Minute),
		"7d":                          now.AddDate(0, 0, -7),
		"2026-11-01":                  time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		"2026-11-01T10:00:00Z":        time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC),
		"2026-11-01T10:00:00.5+02:00": time.Date(2026, 11, 1, 8, 0, 0, 5e8, time.UTC),
	} {
		got, err := Parse(text, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: %v %v, want %v", text, got, err, want)
		}
	}
}
