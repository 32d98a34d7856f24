package kafka

import (
	"crypto/tls"
	"fmt"
	"strings"

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
	t := &kafkago.Transport{ClientID: "hubwire", TLS: a.TLS}
	if a.SASLMechanism == "" {
		return t, nil
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
	t.SASL = m
	return t, nil
}
