package nats

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	case c.Replicas < 1 || c.Replicas > 5:
		return fmt.Errorf("stream replicas %d: must be from 1 to 5 (JetStream's limit; 3 on a three-node cluster)", c.Replicas)
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
		Replicas:    c.Replicas,
	}
}

// ensureStream creates the stream, or brings an existing one's settings in
// line with c. It never deletes and recreates a stream: one that exists
// with other subjects is someone else's, or an older hubwire's, and is an
// error to resolve by hand.
func ensureStream(ctx context.Context, js jetstream.JetStream, c StreamConfig) (jetstream.Stream, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	want := c.jetstream()
	existing, err := js.Stream(ctx, c.Name)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		s, err := js.CreateStream(ctx, want)
		if err != nil {
			return nil, fmt.Errorf("creating stream %s for subjects %s: %w", c.Name, want.Subjects[0], err)
		}
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("looking up stream %s: %w", c.Name, err)
	}
	have := existing.CachedInfo().Config
	if !slices.Equal(have.Subjects, want.Subjects) {
		return nil, fmt.Errorf("stream %s exists with subjects %v, but hubwire publishes to %v: choose another --stream, or change or remove that stream yourself",
			c.Name, have.Subjects, want.Subjects)
	}
	if have.Storage != want.Storage {
		return nil, fmt.Errorf("stream %s exists with %s storage; hubwire keeps events on file storage and JetStream cannot change it in place", c.Name, have.Storage)
	}
	if have.MaxAge == want.MaxAge && have.Duplicates == want.Duplicates && have.Replicas == want.Replicas && have.Description == want.Description {
		return existing, nil
	}
	// Keep whatever else an operator set on the stream (limits,
	// placement, …); change only what hubwire's flags say.
	have.MaxAge, have.Duplicates, have.Replicas, have.Description = want.MaxAge, want.Duplicates, want.Replicas, want.Description
	s, err := js.UpdateStream(ctx, have)
	if err != nil {
		return nil, fmt.Errorf("updating stream %s (max age %v, duplicate window %v, replicas %d): %w", c.Name, want.MaxAge, want.Duplicates, want.Replicas, err)
	}
	return s, nil
}
