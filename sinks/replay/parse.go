package replay

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// ParseOffsets reads --offset partition=offset values.
func ParseOffsets(values []string) (map[int]int64, error) {
	offsets := map[int]int64{}
	for _, v := range values {
		ps, os, ok := strings.Cut(v, "=")
		p, perr := strconv.Atoi(strings.TrimSpace(ps))
		o, oerr := strconv.ParseInt(strings.TrimSpace(os), 10, 64)
		if !ok || perr != nil || oerr != nil || p < 0 || o < 0 {
			return nil, fmt.Errorf("--offset %q: want partition=offset, both numbers from 0 (3=55)", v)
		}
		if _, dup := offsets[p]; dup {
			return nil, fmt.Errorf("--offset names partition %d twice", p)
		}
		offsets[p] = o
	}
	return offsets, nil
}

// ParseDestination reads --to, checked against the broker replay reads
// from (kind: "nats" or "kafka").
func ParseDestination(to, kind string) (Destination, error) {
	const want = "want - (JSON lines on standard output), an http(s):// URL, nats:<subject> or kafka:<topic>"
	switch {
	case to == "-":
		return Destination{Kind: ToJSONLines}, nil
	case strings.HasPrefix(to, "http://"), strings.HasPrefix(to, "https://"):
		if u, err := url.Parse(to); err != nil || u.Host == "" {
			return Destination{}, fmt.Errorf("--to %q: not a URL; %s", to, want)
		}
		return Destination{Kind: ToHTTP, Target: to}, nil
	case strings.HasPrefix(to, "nats:"):
		subject := strings.TrimPrefix(to, "nats:")
		if kind != "nats" {
			return Destination{}, fmt.Errorf("--to %s re-publishes to the broker replay reads, which is Kafka: use kafka:<topic>", to)
		}
		if subject == "" || strings.HasPrefix(subject, "//") {
			return Destination{}, fmt.Errorf("--to %q: want nats:<subject>, such as nats:events (the broker is --broker's)", to)
		}
		return Destination{Kind: ToNATS, Target: subject}, nil
	case strings.HasPrefix(to, "kafka:"):
		topic := strings.TrimPrefix(to, "kafka:")
		if kind != "kafka" {
			return Destination{}, fmt.Errorf("--to %s re-publishes to the broker replay reads, which is NATS: use nats:<subject>", to)
		}
		if topic == "" || strings.HasPrefix(topic, "//") {
			return Destination{}, fmt.Errorf("--to %q: want kafka:<topic>, such as kafka:hubwire.replayed (the broker is --broker's)", to)
		}
		return Destination{Kind: ToKafka, Target: topic}, nil
	}
	return Destination{}, fmt.Errorf("--to %q: %s", to, want)
}
