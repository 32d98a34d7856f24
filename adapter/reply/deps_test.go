package reply

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBrokerFree keeps this package free of the brokers' clients: what is
// specific to NATS or Kafka lives in natsreply and kafkareply, and the
// callback engine, the records and the API are written once, here.
func TestBrokerFree(t *testing.T) {
	// go test runs with the go command at hand, as adapter/all's
	// TestImportBoundary relies on too.
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/nats-io/") || strings.HasPrefix(dep, "github.com/segmentio/kafka-go") {
			t.Errorf("adapter/reply depends on %s", dep)
		}
	}
}
