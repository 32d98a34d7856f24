package kafka

import (
	"crypto/tls"
	"fmt"
	"strings"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// Auth is how hubwire authenticates to a Kafka cluster.
type Auth struct {
	// TLS, when set, encrypts every connection.
	TLS *tls.Config
	// SASLMechanism is "", PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
	SASLMechanism string
	User          string
	Password      string
}

// SASLMechanisms lists the mechanisms Auth accepts.
var SASLMechanisms = []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}

// Transport returns a kafka-go transport that connects as a says.
func (a Auth) Transport() (*kafkago.Transport, error) {
	m, err := a.mechanism()
	if err != nil {
		return nil, err
	}
	return &kafkago.Transport{ClientID: "hubwire", TLS: a.TLS, SASL: m}, nil
}

// Dialer returns a kafka-go dialer (for readers and consumer groups) that
// connects as a says.
func (a Auth) Dialer() (*kafkago.Dialer, error) {
	m, err := a.mechanism()
	if err != nil {
		return nil, err
	}
	return &kafkago.Dialer{ClientID: "hubwire", Timeout: 10 * time.Second, DualStack: true, TLS: a.TLS, SASLMechanism: m}, nil
}

func (a Auth) mechanism() (sasl.Mechanism, error) {
	if a.SASLMechanism == "" {
		return nil, nil
	}
	if a.User == "" {
		return nil, fmt.Errorf("SASL %s needs a user name", a.SASLMechanism)
	}
	var m sasl.Mechanism
	var err error
	switch strings.ToUpper(a.SASLMechanism) {
	case "PLAIN":
		m = plain.Mechanism{Username: a.User, Password: a.Password}
	case "SCRAM-SHA-256":
		m, err = scram.Mechanism(scram.SHA256, a.User, a.Password)
	case "SCRAM-SHA-512":
		m, err = scram.Mechanism(scram.SHA512, a.User, a.Password)
	default:
		return nil, fmt.Errorf("SASL mechanism %q: want one of %s", a.SASLMechanism, strings.Join(SASLMechanisms, ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("SASL %s: %w", a.SASLMechanism, err)
	}
	return m, nil
}
