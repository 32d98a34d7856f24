package nats

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// StreamConfig is the part of the events stream hubwire manages.
type StreamConfig struct {
	// Name of the JetStream stream (HUBWIRE_EVENTS).
	Name string
	// SubjectPrefix: the stream holds <prefix>.>.
	SubjectPrefix string
	// MaxAge is how long events are kept; 0 keeps them until removed.
	MaxAge time.Duration
	// Duplicates is the window within which a second event with the same
	// id is dropped. It may not exceed MaxAge.
	Duplicates time.Duration
	// Replicas is 1 on a single server.
	Replicas int
}

// Check reports settings JetStream would refuse, in the flags' words.
func (c StreamConfig) Check() error {
	switch {
	case c.Name == "":
		return fmt.Errorf("stream name is empty")
	case c.Duplicates <= 0:
		return fmt.Errorf("duplicate window %v: must be positive (JetStream drops a repeated event id within it)", c.Duplicates)
	case c.MaxAge < 0:
		return fmt.Errorf("max age %v: must be 0 (keep forever) or positive", c.MaxAge)
	case c.MaxAge > 0 && c.Duplicates > c.MaxAge:
		return fmt.Errorf("duplicate window %v is longer than max age %v: JetStream requires the window to fit in the age", c.Duplicates, c.MaxAge)
	}
	return nil
}

func (c StreamConfig) jetstream() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        c.Name,
		Description: "hubwire: container registry webhooks as CloudEvents",
		Subjects:    []string{c.SubjectPrefix + ".>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      c.MaxAge,
		Duplicates:  c.Duplicates,
		Replicas:    max(c.Replicas, 1),
	}
}

// ensureStream creates the stream, or brings an existing one's settings
// in line with c.
func ensureStream(ctx context.Context, js jetstream.JetStream, c StreamConfig) (jetstream.Stream, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	s, err := js.CreateOrUpdateStream(ctx, c.jetstream())
	if err != nil {
		return nil, fmt.Errorf("setting up stream %s for subjects %s.>: %w", c.Name, c.SubjectPrefix, err)
	}
	return s, nil
}
