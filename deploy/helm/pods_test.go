package helm

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// namedPod is a pod spec the chart renders: the workload's template or a
// test pod.
type namedPod struct {
	name string
	spec corev1.PodSpec
}

func podSpecs(t *testing.T, r rendered) []namedPod {
	t.Helper()
	pods := []namedPod{{"hubwire", workloadOf(t, r).pod.Spec}}
	for _, p := range of[corev1.Pod](r) {
		pods = append(pods, namedPod{p.Name, p.Spec})
	}
	return pods
}

// configFile is the config file the chart renders (nil for none, or one in
// a Secret the operator makes).
func configFile(t *testing.T, r rendered) map[string]any {
	t.Helper()
	for _, s := range of[corev1.Secret](r) {
		text, ok := s.StringData["config.yaml"]
		if !ok {
			if b, ok := s.Data["config.yaml"]; ok {
				text = string(b)
			}
		}
		if text == "" {
			continue
		}
		var cfg map[string]any
		if err := yaml.UnmarshalStrict([]byte(text), &cfg); err != nil {
			t.Fatalf("config.yaml: %v\n%s", err, text)
		}
		return cfg
	}
	return nil
}

// secretData is what the rendered Secret name holds under key; for a
// Secret the operator makes, a stand-in value of the right form.
func secretData(r rendered, name, key string) string {
	for _, s := range of[corev1.Secret](r) {
		if s.Name != name {
			continue
		}
		if v, ok := s.StringData[key]; ok {
			return v
		}
		if v, ok := s.Data[key]; ok {
			return string(v)
		}
		return ""
	}
	switch key {
	case "config.yaml":
		return "log-format: json\nsources:\n  dtr:\n    tokens: [operator-dtr-token-0123456789]\n"
	case "tls.crt", "ca.crt":
		return testCert().cert
	case "tls.key":
		return testCert().key
	}
	return "operator-made-" + strings.ReplaceAll(key, ".", "-") + "-0123456789abcdef"
}

// podEnv is the environment container c would get, as `hubwire config
// check` needs it here: each variable from a Secret holds the Secret's
// value, and each path under a mounted volume or the data directory is
// moved under root, where the mounted Secrets' files are written.
func podEnv(t *testing.T, r rendered, spec corev1.PodSpec, c corev1.Container, root string) []string {
	t.Helper()
	mounts := map[string]string{} // mount path → directory under root
	for _, m := range c.VolumeMounts {
		dir := filepath.Join(root, filepath.FromSlash(m.MountPath))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		mounts[m.MountPath] = dir
		for _, v := range spec.Volumes {
			if v.Name != m.Name || v.Secret == nil {
				continue
			}
			items := v.Secret.Items
			if len(items) == 0 {
				for _, key := range []string{"tls.crt", "tls.key", "ca.crt"} {
					items = append(items, corev1.KeyToPath{Key: key, Path: key})
				}
			}
			for _, item := range items {
				if err := os.WriteFile(filepath.Join(dir, item.Path), []byte(secretData(r, v.Secret.SecretName, item.Key)), 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	moved := func(value string) string {
		for mount, dir := range mounts {
			if rel, ok := strings.CutPrefix(value, mount); ok && (rel == "" || rel[0] == '/') {
				return dir + filepath.FromSlash(rel)
			}
		}
		return value
	}
	env := []string{"HOME=" + root}
	broker := ""
	for _, e := range c.Env {
		if e.Name == "HUBWIRE_BROKER" {
			broker = e.Value
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env = append(env, e.Name+"="+moved(e.Value))
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			// An optional key of a Secret the operator makes: present in
			// this stand-in only where it fits the broker (a password, not
			// also a token).
			if ref.Optional != nil && *ref.Optional && !rendersSecret(r, ref.Name) &&
				!(strings.HasPrefix(broker, "nats://") && e.Name == "HUBWIRE_NATS_PASSWORD" || strings.HasPrefix(broker, "kafka://") && e.Name == "HUBWIRE_KAFKA_PASSWORD") {
				continue
			}
			if v := secretData(r, ref.Name, ref.Key); v != "" {
				env = append(env, e.Name+"="+v)
			}
		}
	}
	return env
}

func rendersSecret(r rendered, name string) bool {
	for _, s := range of[corev1.Secret](r) {
		if s.Name == name {
			return true
		}
	}
	return false
}

// testCert is a self-signed certificate for localhost, the stand-in for a
// kubernetes.io/tls Secret the operator makes.
var testCert = sync.OnceValue(func() struct{ cert, key string } {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "localhost"},
		DNSNames:              []string{"localhost"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		panic(err)
	}
	return struct{ cert, key string }{
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})),
	}
})
