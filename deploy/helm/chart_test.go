package helm

import (
	"encoding/base64"
	"flag"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

var update = flag.Bool("update", false, "rewrite deploy/kubernetes/hubwire.yaml from the chart (make manifests)")

// testCase is one values file rendered: its values as given and as the
// chart sees them (merged over values.yaml).
type testCase struct {
	name      string
	given     map[string]any
	effective chartutil.Values
	r         rendered
}

// cases renders the chart with each values file once.
func cases(t *testing.T) []testCase {
	t.Helper()
	dir := withDependency(t)
	chrt, err := loader.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []testCase
	files := valueFiles(t)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		given := readValues(t, files[name])
		effective, err := chartutil.CoalesceValues(chrt, given)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, testCase{name: name, given: given, effective: effective, r: render(t, dir, given)})
	}
	return out
}

func get(v chartutil.Values, path string) any {
	x, err := v.PathValue(path)
	if err != nil {
		return nil
	}
	return x
}

func getMap(v chartutil.Values, path string) map[string]any {
	m, err := v.Table(path)
	if err != nil {
		return nil
	}
	return m
}

func getString(v chartutil.Values, path string) string {
	s, _ := get(v, path).(string)
	return s
}

func getBool(v chartutil.Values, path string) bool {
	b, _ := get(v, path).(bool)
	return b
}

func getInt(v chartutil.Values, path string) int {
	switch n := get(v, path).(type) {
	case float64:
		return int(n)
	case int:
		return n
	case int64:
		return int(n)
	}
	return 0
}

// TestLint is `helm lint --strict` of every shape: no warning, no error.
func TestLint(t *testing.T) {
	dir := withDependency(t)
	for name, files := range valueFiles(t) {
		if problems := strictLint(dir, readValues(t, files)); len(problems) > 0 {
			t.Errorf("%s: helm lint --strict:\n%s", name, strings.Join(problems, "\n"))
		}
	}
}

// TestDependencyNotVendored states what a user installing from a clone
// meets: the NATS chart is not in charts/, so lint warns of it and helm
// install/template refuse to run until `helm dependency build`
// (docs/kubernetes.md says so); nothing else is missing.
func TestDependencyNotVendored(t *testing.T) {
	problems := strictLint(chartDir, nil)
	if want := []string{"chart directory is missing these dependencies: nats"}; !slices.Equal(problems, want) {
		t.Errorf("lint of the chart as committed: %q, want only %q", problems, want)
	}
	chrt, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkDependencies(chrt); err == nil || !strings.Contains(err.Error(), "nats") {
		t.Errorf("helm template without the NATS chart: %v", err)
	}
	dep := chrt.Metadata.Dependencies[0]
	if len(chrt.Metadata.Dependencies) != 1 || dep.Name != "nats" || dep.Condition != "nats.enabled" || dep.Version != natsVersion {
		t.Errorf("dependencies %+v: want the NATS chart %s on the condition nats.enabled", chrt.Metadata.Dependencies, natsVersion)
	}
}

// TestShapes: mode embedded is a StatefulSet of one with a PVC at the data
// directory; mode external a StatefulSet of N with a PVC each, or a
// Deployment (emptyDir) only when the values accept the spool's loss.
func TestShapes(t *testing.T) {
	for _, tc := range cases(t) {
		w := workloadOf(t, tc.r)
		hub := container(t, w.pod.Spec, "hubwire")
		dataDir, _ := envValue(hub, "HUBWIRE_DATA_DIR")
		mounted := ""
		for _, m := range hub.VolumeMounts {
			if m.MountPath == dataDir.Value {
				mounted = m.Name
			}
		}
		claimed := slices.ContainsFunc(w.claims, func(c corev1.PersistentVolumeClaim) bool { return c.Name == mounted })
		emptyDir := slices.ContainsFunc(w.pod.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == mounted && v.EmptyDir != nil })
		mode := getString(tc.effective, "mode")
		acceptLoss := getBool(tc.effective, "external.spool.emptyDir")
		switch {
		case mounted == "":
			t.Errorf("%s: no volume at the data directory %q", tc.name, dataDir.Value)
		case mode == "embedded" && (w.kind != "StatefulSet" || w.replicas == nil || *w.replicas != 1 || !claimed):
			t.Errorf("%s: mode embedded is a %s of %v, data on a claim: %v", tc.name, w.kind, w.replicas, claimed)
		case mode == "external" && acceptLoss && (w.kind != "Deployment" || !emptyDir):
			t.Errorf("%s: spool.emptyDir accepted, but a %s (emptyDir %v)", tc.name, w.kind, emptyDir)
		case mode == "external" && !acceptLoss && (w.kind != "StatefulSet" || !claimed):
			t.Errorf("%s: mode external with a spool kept: a %s, data on a claim: %v", tc.name, w.kind, claimed)
		}
		if mode == "external" && !getBool(tc.effective, "autoscaling.enabled") && (w.replicas == nil || int(*w.replicas) != getInt(tc.effective, "replicas")) {
			t.Errorf("%s: %v replicas, want %d", tc.name, w.replicas, getInt(tc.effective, "replicas"))
		}
	}
	// The risk of the emptyDir spool is stated where it is accepted.
	raw, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?s)# RISK.*LOSES the deliveries it\s+# spooled.*\n\s+emptyDir: false`).Match(raw) {
		t.Error("values.yaml: external.spool.emptyDir is not preceded by a comment stating the risk")
	}
}

// TestFlagsAndVariablesExist: every HUBWIRE_ variable and every flag the
// chart passes is one the hubwire command it runs takes (hubwire ignores
// an unknown variable silently), and the config file's settings are flags.
func TestFlagsAndVariablesExist(t *testing.T) {
	// Variables that are not hubwire's, each for a reason.
	others := map[string]map[string]bool{
		"send": {"WEBHOOK_TOKEN": true}, // expanded by the kubelet into --to: $(WEBHOOK_TOKEN)
	}
	for _, tc := range cases(t) {
		for _, pod := range podSpecs(t, tc.r) {
			for _, c := range slices.Concat(pod.spec.InitContainers, pod.spec.Containers) {
				if len(c.Args) == 0 {
					t.Errorf("%s: %s/%s runs no hubwire command", tc.name, pod.name, c.Name)
					continue
				}
				command := c.Args[0]
				help := helpOf(t, command)
				for _, arg := range c.Args[1:] {
					if name, ok := strings.CutPrefix(arg, "--"); ok {
						name, _, _ = strings.Cut(name, "=")
						if !help.flags[name] {
							t.Errorf("%s: %s/%s: hubwire %s has no flag --%s", tc.name, pod.name, c.Name, command, name)
						}
					}
				}
				for _, e := range c.Env {
					if strings.HasPrefix(e.Name, "HUBWIRE_") && !help.env[e.Name] || !strings.HasPrefix(e.Name, "HUBWIRE_") && !others[command][e.Name] {
						t.Errorf("%s: %s/%s: %s is not a variable hubwire %s reads", tc.name, pod.name, c.Name, e.Name, command)
					}
				}
			}
		}
		if cfg := configFile(t, tc.r); cfg != nil {
			serve := helpOf(t, "serve")
			for key := range cfg {
				if key != "sources" && !serve.flags[key] {
					t.Errorf("%s: config file setting %q is no flag of hubwire serve", tc.name, key)
				}
			}
		}
	}
}

// TestConfigCheck: hubwire accepts what the chart gives it: `hubwire config
// check` reads the rendered config file and variables as serve would (the
// Secrets' values in place of their references, files where they are
// mounted, moved under a temporary directory).
func TestConfigCheck(t *testing.T) {
	for _, tc := range cases(t) {
		w := workloadOf(t, tc.r)
		env := podEnv(t, tc.r, w.pod.Spec, container(t, w.pod.Spec, "hubwire"), t.TempDir())
		if out, err := runHubwire(t, env, "config", "check"); err != nil {
			t.Errorf("%s: hubwire config check: %v\n%s\nwith %q", tc.name, err, out, env)
		}
	}
}

// TestSecretsByReference: no secret is in anything but a Secret: not in an
// argument, a variable's value, a ConfigMap or an annotation; variables
// that carry one take it from a Secret.
func TestSecretsByReference(t *testing.T) {
	secretish := regexp.MustCompile(`TOKEN|PASSWORD|SECRET|KEY$`)
	for _, tc := range cases(t) {
		// The secrets given in the values, and those in the rendered Secrets.
		var secrets []string
		for _, path := range []string{"auth.webhookToken", "auth.natsPassword"} {
			if s := getString(tc.effective, path); s != "" {
				secrets = append(secrets, s)
			}
		}
		secrets = append(secrets, sourceSecrets(getMap(tc.effective, "sources"))...)
		for _, s := range of[corev1.Secret](tc.r) {
			for key, v := range s.Data {
				if key != "config.yaml" {
					secrets = append(secrets, string(v), base64.StdEncoding.EncodeToString(v))
				}
			}
		}
		for _, o := range tc.r.objects {
			if o.kind == "Secret" {
				continue
			}
			if o.kind == "ConfigMap" {
				t.Errorf("%s: a ConfigMap %s: settings go in the config Secret", tc.name, o.name)
			}
			for _, s := range secrets {
				if strings.Contains(o.text, s) {
					t.Errorf("%s: %s %s holds a secret (%.4s…)", tc.name, o.kind, o.name, s)
				}
			}
		}
		for _, pod := range podSpecs(t, tc.r) {
			for _, c := range slices.Concat(pod.spec.InitContainers, pod.spec.Containers) {
				for _, e := range c.Env {
					// A path to a file mounted from a Secret is a reference too.
					file := e.ValueFrom == nil && slices.ContainsFunc(pod.spec.Volumes, func(v corev1.Volume) bool {
						return v.Secret != nil && mountedFromSecret(pod.spec, c, e.Value, v.Secret.SecretName, filepath.Base(e.Value))
					})
					if secretish.MatchString(e.Name) && !file && (e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
						t.Errorf("%s: %s/%s: %s is not taken from a Secret", tc.name, pod.name, c.Name, e.Name)
					}
				}
			}
		}
	}
}

// sourceSecrets collects the tokens and signing secrets of the values'
// sources.
func sourceSecrets(sources any) []string {
	var out []string
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, v := range x {
				walk(k, v)
			}
		case []any:
			for _, v := range x {
				walk(key, v)
			}
		case string:
			if key == "tokens" || key == "secrets" {
				out = append(out, x)
			}
		}
	}
	walk("", sources)
	return out
}

// TestProbesAndStop: startup and readiness ask /readyz, liveness /healthz,
// on the port hubwire listens on; the grace period covers the preStop,
// --shutdown-timeout and --callback-timeout.
func TestProbesAndStop(t *testing.T) {
	for _, tc := range cases(t) {
		w := workloadOf(t, tc.r)
		hub := container(t, w.pod.Spec, "hubwire")
		addr, _ := envValue(hub, "HUBWIRE_HTTP_ADDR")
		_, port, err := net.SplitHostPort(addr.Value)
		if err != nil {
			t.Fatalf("%s: HUBWIRE_HTTP_ADDR %q: %v", tc.name, addr.Value, err)
		}
		httpPort := -1
		for _, p := range hub.Ports {
			if p.Name == "http" {
				httpPort = int(p.ContainerPort)
			}
		}
		if strconv.Itoa(httpPort) != port {
			t.Errorf("%s: port http is %d, hubwire listens on %s", tc.name, httpPort, addr.Value)
		}
		for _, p := range []struct {
			name  string
			probe *corev1.Probe
			path  string
		}{{"startup", hub.StartupProbe, "/readyz"}, {"readiness", hub.ReadinessProbe, "/readyz"}, {"liveness", hub.LivenessProbe, "/healthz"}} {
			if p.probe == nil || p.probe.HTTPGet == nil || p.probe.HTTPGet.Path != p.path || p.probe.HTTPGet.Port.String() != "http" {
				t.Errorf("%s: %s probe %s, want GET %s on port http", tc.name, p.name, yamlOf(p.probe), p.path)
			}
		}
		var stop time.Duration
		for _, name := range []string{"HUBWIRE_SHUTDOWN_TIMEOUT", "HUBWIRE_CALLBACK_TIMEOUT"} {
			e, ok := envValue(hub, name)
			d, err := time.ParseDuration(e.Value)
			if !ok || err != nil {
				t.Errorf("%s: %s %q: %v", tc.name, name, e.Value, err)
			}
			stop += d
		}
		if hub.Lifecycle != nil && hub.Lifecycle.PreStop != nil {
			if hub.Lifecycle.PreStop.Sleep == nil {
				t.Errorf("%s: preStop %s: the image has no shell, only the sleep action works", tc.name, yamlOf(hub.Lifecycle.PreStop))
			} else {
				stop += time.Duration(hub.Lifecycle.PreStop.Sleep.Seconds) * time.Second
			}
		} else if getInt(tc.effective, "shutdown.preStopSleepSeconds") > 0 {
			t.Errorf("%s: no preStop", tc.name)
		}
		grace := w.pod.Spec.TerminationGracePeriodSeconds
		// 40s: the compose files' test (cmd/hubwire/deploy_test.go) with the defaults.
		if grace == nil || time.Duration(*grace)*time.Second <= stop || *grace < 40 {
			t.Errorf("%s: terminationGracePeriodSeconds %v does not cover a stop of up to %v", tc.name, grace, stop)
		}
	}
}

// TestExposure: the embedded NATS port has a Service and a NetworkPolicy
// rule only when exposed, and is then authenticated (the password from the
// Secret, as a file); nothing asks for anonymous access.
func TestExposure(t *testing.T) {
	for _, tc := range cases(t) {
		w := workloadOf(t, tc.r)
		hub := container(t, w.pod.Spec, "hubwire")
		embedded := getString(tc.effective, "mode") == "embedded"
		exposed := embedded && getBool(tc.effective, "embedded.nats.expose")
		var natsService *corev1.Service
		for _, s := range of[corev1.Service](tc.r) {
			if slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool { return p.Port == 4222 }) {
				natsService = s
			}
		}
		if exposed != (natsService != nil) {
			t.Errorf("%s: exposed %v, NATS Service %v", tc.name, exposed, natsService != nil)
		}
		addr, _ := envValue(hub, "HUBWIRE_NATS_ADDR")
		switch {
		case exposed && addr.Value != "0.0.0.0:4222", embedded && !exposed && addr.Value != "127.0.0.1:4222":
			t.Errorf("%s: exposed %v, HUBWIRE_NATS_ADDR %q", tc.name, exposed, addr.Value)
		}
		if embedded {
			user, _ := envValue(hub, "HUBWIRE_EMBEDDED_NATS_USER")
			file, _ := envValue(hub, "HUBWIRE_EMBEDDED_NATS_PASSWORD_FILE")
			if user.Value == "" || !mountedFromSecret(w.pod.Spec, hub, file.Value, secretName(t, tc, "auth"), "nats-password") {
				t.Errorf("%s: the embedded NATS server's password is not the Secret's nats-password: %s", tc.name, yamlOf(hub.Env))
			}
		}
		if _, ok := envValue(hub, "HUBWIRE_NATS_ALLOW_ANONYMOUS"); ok {
			t.Errorf("%s: the chart asks for anonymous NATS", tc.name)
		}
		if getBool(tc.effective, "networkPolicy.enabled") {
			np := one[networkingv1.NetworkPolicy](t, tc.r)
			var ports []string
			for _, rule := range np.Spec.Ingress {
				for _, p := range rule.Ports {
					ports = append(ports, p.Port.String())
				}
				if slices.ContainsFunc(rule.Ports, func(p networkingv1.NetworkPolicyPort) bool { return p.Port.String() == "nats" }) && len(rule.From) == 0 {
					t.Errorf("%s: the NATS port is open to any pod", tc.name)
				}
			}
			want := []string{"http"}
			if exposed {
				want = append(want, "nats")
			}
			if !slices.Equal(ports, want) {
				t.Errorf("%s: NetworkPolicy lets in %v, want %v", tc.name, ports, want)
			}
		}
	}
}

// secretName is the Secret the chart reads a kind of secret from.
func secretName(t *testing.T, tc testCase, which string) string {
	t.Helper()
	switch which {
	case "auth":
		if s := getString(tc.effective, "auth.existingSecret"); s != "" {
			return s
		}
		return "hubwire"
	}
	t.Fatalf("no secret %q", which)
	return ""
}

// mountedFromSecret says whether path in container c is the key of the
// named Secret.
func mountedFromSecret(spec corev1.PodSpec, c corev1.Container, path, secret, key string) bool {
	for _, m := range c.VolumeMounts {
		rel, err := filepath.Rel(m.MountPath, path)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue
		}
		for _, v := range spec.Volumes {
			if v.Name != m.Name || v.Secret == nil || v.Secret.SecretName != secret {
				continue
			}
			if len(v.Secret.Items) == 0 {
				return rel == key
			}
			for _, item := range v.Secret.Items {
				if item.Key == key && item.Path == rel {
					return true
				}
			}
		}
	}
	return false
}

// TestRoutes: the Ingress and the HTTPRoute send only the webhooks and the
// schemas to the receiver's port, over TLS; the public URL is theirs.
func TestRoutes(t *testing.T) {
	for _, tc := range cases(t) {
		hub := container(t, workloadOf(t, tc.r).pod.Spec, "hubwire")
		publicURL, _ := envValue(hub, "HUBWIRE_PUBLIC_URL")
		if ings := of[networkingv1.Ingress](tc.r); len(ings) > 0 {
			ing := ings[0]
			var paths []string
			for _, rule := range ing.Spec.Rules {
				for _, p := range rule.HTTP.Paths {
					paths = append(paths, p.Path)
					if p.Backend.Service == nil || p.Backend.Service.Name != "hubwire" || p.Backend.Service.Port.Name != "http" {
						t.Errorf("%s: Ingress path %s goes to %s", tc.name, p.Path, yamlOf(p.Backend))
					}
				}
			}
			if !slices.Equal(paths, []string{"/hooks", "/schemas"}) {
				t.Errorf("%s: Ingress routes %v", tc.name, paths)
			}
			if len(ing.Spec.TLS) == 0 || !strings.HasPrefix(publicURL.Value, "https://"+ing.Spec.Rules[0].Host) {
				t.Errorf("%s: Ingress TLS %v, public URL %q", tc.name, ing.Spec.TLS, publicURL.Value)
			}
		}
		for _, route := range of[gatewayv1.HTTPRoute](tc.r) {
			var paths []string
			for _, rule := range route.Spec.Rules {
				for _, m := range rule.Matches {
					paths = append(paths, *m.Path.Value)
				}
				for _, b := range rule.BackendRefs {
					if b.Name != "hubwire" || b.Port == nil || *b.Port != 8080 {
						t.Errorf("%s: HTTPRoute backend %s", tc.name, yamlOf(b))
					}
				}
			}
			if !slices.Equal(paths, []string{"/hooks", "/schemas"}) || len(route.Spec.ParentRefs) == 0 {
				t.Errorf("%s: HTTPRoute routes %v from %v", tc.name, paths, route.Spec.ParentRefs)
			}
			if !strings.HasPrefix(publicURL.Value, "https://"+string(route.Spec.Hostnames[0])) {
				t.Errorf("%s: public URL %q", tc.name, publicURL.Value)
			}
		}
	}
}

// TestDisruptionAndScaling: a PodDisruptionBudget (maxUnavailable 1) when
// more than one pod runs, none for one; the HPA scales the workload.
func TestDisruptionAndScaling(t *testing.T) {
	for _, tc := range cases(t) {
		w := workloadOf(t, tc.r)
		hpas := of[autoscalingv2.HorizontalPodAutoscaler](tc.r)
		several := len(hpas) > 0 || w.replicas != nil && *w.replicas > 1
		pdbs := of[policyv1.PodDisruptionBudget](tc.r)
		if several != (len(pdbs) == 1) {
			t.Errorf("%s: %v replicas, HPA %v, %d PodDisruptionBudgets", tc.name, w.replicas, len(hpas) > 0, len(pdbs))
		}
		if len(pdbs) == 1 && (pdbs[0].Spec.MaxUnavailable == nil || pdbs[0].Spec.MaxUnavailable.IntValue() != 1) {
			t.Errorf("%s: maxUnavailable %v", tc.name, pdbs[0].Spec.MaxUnavailable)
		}
		for _, h := range hpas {
			if h.Spec.ScaleTargetRef.Kind != w.kind || h.Spec.ScaleTargetRef.Name != "hubwire" || w.replicas != nil {
				t.Errorf("%s: the HPA scales %v; the workload sets replicas %v", tc.name, h.Spec.ScaleTargetRef, w.replicas)
			}
		}
		if len(w.pod.Spec.TopologySpreadConstraints) == 0 {
			t.Errorf("%s: no topology spread", tc.name)
		}
		for _, c := range w.pod.Spec.TopologySpreadConstraints {
			if c.LabelSelector == nil || c.LabelSelector.MatchLabels["app.kubernetes.io/instance"] != "hubwire" {
				t.Errorf("%s: topology spread selects %v", tc.name, c.LabelSelector)
			}
		}
	}
}

// TestSecurityContext: every container, the test's too, runs as non-root
// on a read-only root filesystem with no capabilities.
func TestSecurityContext(t *testing.T) {
	for _, tc := range cases(t) {
		for _, pod := range podSpecs(t, tc.r) {
			psc := pod.spec.SecurityContext
			if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.SeccompProfile == nil {
				t.Errorf("%s: %s: pod security context %s", tc.name, pod.name, yamlOf(psc))
			}
			for _, c := range slices.Concat(pod.spec.InitContainers, pod.spec.Containers) {
				sc := c.SecurityContext
				if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
					sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 {
					t.Errorf("%s: %s/%s: security context %s", tc.name, pod.name, c.Name, yamlOf(sc))
				}
			}
		}
	}
}

// TestServiceMonitor: named as Argo Events names it, it scrapes /metrics on
// the receiver's Service alone.
func TestServiceMonitor(t *testing.T) {
	seen := false
	for _, tc := range cases(t) {
		for _, sm := range of[monitoringv1.ServiceMonitor](tc.r) {
			seen = true
			var selected []*corev1.Service
			for _, s := range of[corev1.Service](tc.r) {
				if matches(sm.Spec.Selector.MatchLabels, s.Labels) {
					selected = append(selected, s)
				}
			}
			if len(selected) != 1 || len(sm.Spec.Endpoints) != 1 {
				t.Fatalf("%s: the ServiceMonitor selects %d Services", tc.name, len(selected))
			}
			ep := sm.Spec.Endpoints[0]
			if ep.Path != "/metrics" || !slices.ContainsFunc(selected[0].Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == ep.Port && p.TargetPort.String() == "http" }) {
				t.Errorf("%s: scrapes %s on port %s of %s", tc.name, ep.Path, ep.Port, selected[0].Name)
			}
			for k, v := range getMap(tc.effective, "metrics.serviceMonitor.selector") {
				if sm.Labels[k] != v {
					t.Errorf("%s: ServiceMonitor labels %v lack the selector's %s", tc.name, sm.Labels, k)
				}
			}
		}
	}
	if !seen {
		t.Error("no values file enables the ServiceMonitor")
	}
	sm := getMap(chartValues(t), "metrics.serviceMonitor")
	for _, key := range []string{"enabled", "interval", "relabelings", "metricRelabelings", "selector", "namespace", "additionalLabels"} {
		if _, ok := sm[key]; !ok {
			t.Errorf("values.yaml: no metrics.serviceMonitor.%s (Argo Events' name)", key)
		}
	}
}

func matches(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return len(selector) > 0
}

func chartValues(t *testing.T) chartutil.Values {
	t.Helper()
	v, err := chartutil.ReadValuesFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestHelmTestPod: `helm test` posts a sample to the receiver's Service
// with the token from the Secret, then reads its event back from the
// broker hubwire publishes to, failing unless it is there.
func TestHelmTestPod(t *testing.T) {
	for _, tc := range cases(t) {
		var pods []*corev1.Pod
		for _, o := range tc.r.objects {
			if p, ok := o.value.(*corev1.Pod); ok && o.hook && strings.Contains(o.text, "helm.sh/hook: test") {
				pods = append(pods, p)
			}
		}
		if len(pods) != 1 {
			t.Fatalf("%s: %d test pods", tc.name, len(pods))
		}
		spec := pods[0].Spec
		send := container(t, spec, "send")
		if !slices.Contains(send.Args, "--to=http://hubwire:8080/hooks/dtr/$(WEBHOOK_TOKEN)") {
			t.Errorf("%s: send %v", tc.name, send.Args)
		}
		token, _ := envValue(send, "WEBHOOK_TOKEN")
		if token.ValueFrom == nil || token.ValueFrom.SecretKeyRef == nil || token.ValueFrom.SecretKeyRef.Name != secretName(t, tc, "auth") || token.ValueFrom.SecretKeyRef.Key != "webhook-token" {
			t.Errorf("%s: WEBHOOK_TOKEN %s", tc.name, yamlOf(token))
		}
		embedded := getString(tc.effective, "mode") == "embedded"
		if embedded && !getBool(tc.effective, "embedded.nats.expose") {
			if len(spec.Containers) != 1 || len(spec.InitContainers) != 0 {
				t.Errorf("%s: NATS on loopback: only the post can be checked", tc.name)
			}
			continue
		}
		read := container(t, spec, "read-back")
		if len(spec.InitContainers) != 1 || spec.InitContainers[0].Name != "send" || read.Args[0] != "replay" || !slices.Contains(read.Args, "--min-events=1") {
			t.Errorf("%s: send, then read back: %s", tc.name, yamlOf(spec))
		}
		broker, _ := envValue(read, "HUBWIRE_BROKER")
		want := "nats://hubwire-nats:4222"
		if !embedded {
			b, _ := envValue(container(t, workloadOf(t, tc.r).pod.Spec, "hubwire"), "HUBWIRE_BROKER")
			want = b.Value
		}
		if broker.Value != want || want == "" {
			t.Errorf("%s: reads back from %q, hubwire publishes to %q", tc.name, broker.Value, want)
		}
	}
}

// TestResourceFigures: the figures the values' comment cites are the latest
// in docs/benchmarks.md.
func TestResourceFigures(t *testing.T) {
	values, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bench, err := os.ReadFile(filepath.Join("..", "..", "docs", "benchmarks.md"))
	if err != nil {
		t.Fatal(err)
	}
	latest, _, _ := strings.Cut(string(bench), "\n## ")
	_, latest, _ = strings.Cut(string(bench), "## Latest figures")
	latest, _, _ = strings.Cut(latest, "\n## ")
	for _, fig := range []struct{ values, bench string }{
		{"6,723 deliveries/s", "6723"}, {"0.89 cores", "0.89"}, {"133 µs", "133 µs"}, {"257 µs", "257 µs"},
		{"31.4 MiB RSS idle", "31.4 M"}, {"104.8 MiB at its peak", "104.8 M"}, {"commit 58a697c", "58a697c"},
		{"1,151 deliveries/s", "1151"},
	} {
		if !strings.Contains(string(values), fig.values) || !strings.Contains(latest, fig.bench) {
			t.Errorf("values.yaml cites %q, docs/benchmarks.md's latest figures have %q: %v, %v", fig.values, fig.bench,
				strings.Contains(string(values), fig.values), strings.Contains(latest, fig.bench))
		}
	}
}

// TestPlainManifest: deploy/kubernetes/hubwire.yaml is the chart rendered
// with deploy/kubernetes/values.yaml (make manifests rewrites it).
func TestPlainManifest(t *testing.T) {
	dir := withDependency(t)
	valuesFile, err := filepath.Abs(filepath.Join("..", "kubernetes", "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r := renderAs(t, dir, readValues(t, []string{valuesFile}), "hubwire", "default")
	header := "# hubwire for kubectl, without Helm: the chart deploy/helm/hubwire in mode embedded, rendered with\n" +
		"# deploy/kubernetes/values.yaml by `make manifests` (do not edit: a test checks it is up to date).\n" +
		"# First create the Secret it reads (docs/kubernetes.md):\n" +
		"#   kubectl create secret generic hubwire-auth --from-literal=webhook-token=… --from-literal=nats-password=…\n" +
		"# then: kubectl apply -f deploy/kubernetes/hubwire.yaml\n"
	want := header + manifestText(r.objects)
	path := filepath.Join("..", "kubernetes", "hubwire.yaml")
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s is not the chart as rendered now: run make manifests", path)
	}
	for _, s := range of[corev1.Secret](r) {
		t.Errorf("the plain manifest holds a Secret %s: its values would be committed", s.Name)
	}
}

// TestProbesAnswer runs the real hubwire serve with the environment the
// chart gives the pod in mode embedded (addresses moved to loopback ports
// of this machine, files under a temporary directory) and asks its probes'
// paths: each answers 200.
func TestProbesAnswer(t *testing.T) {
	dir := withDependency(t)
	r := render(t, dir, nil)
	w := workloadOf(t, r)
	hub := container(t, w.pod.Spec, "hubwire")
	root := t.TempDir()
	env := podEnv(t, r, w.pod.Spec, hub, root)
	httpAddr, natsAddr := freeAddr(t), freeAddr(t)
	for i, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "HUBWIRE_HTTP_ADDR":
			env[i] = name + "=" + httpAddr
		case "HUBWIRE_NATS_ADDR":
			env[i] = name + "=" + natsAddr
		case "HUBWIRE_DATA_DIR":
			env[i] = name + "=" + filepath.Join(root, "data")
		}
	}
	cmd := exec.Command(hubwire(t), hub.Args...)
	cmd.Env = env
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	}()
	// The startup probe's own patience: periodSeconds × failureThreshold.
	startup := time.Duration(hub.StartupProbe.PeriodSeconds*hub.StartupProbe.FailureThreshold) * time.Second
	for _, p := range []*corev1.Probe{hub.StartupProbe, hub.ReadinessProbe, hub.LivenessProbe} {
		url := "http://" + httpAddr + p.HTTPGet.Path
		deadline := time.Now().Add(startup)
		for {
			resp, err := http.Get(url)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			select {
			case err := <-exited:
				t.Fatalf("hubwire serve exited: %v\n%s", err, out.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET %s: %v %v\n%s", url, resp, err, out.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
