// Package helm tests the Helm chart in deploy/helm/hubwire without a cluster:
// Helm itself (its Go module) lints and renders the chart as `helm lint
// --strict` and `helm template` would, every object is decoded strictly into
// the Kubernetes API types, and what matters is checked against the real
// hubwire binary. It is a module of its own so that Helm and the Kubernetes
// libraries stay out of hubwire's go.mod and binary.
package helm

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	"helm.sh/helm/v3/pkg/releaseutil"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// chartDir is the chart as committed.
const chartDir = "hubwire"

// kubeVersion is the oldest Kubernetes the chart claims (Chart.yaml's
// kubeVersion): the preStop sleep action is on by default from 1.30.
var kubeVersion = &chartutil.KubeVersion{Version: "v1.30.0", Major: "1", Minor: "30"}

// natsVersion is the NATS chart Chart.yaml depends on.
const natsVersion = "2.14.2"

// withDependency copies the chart into a temporary directory with a stand-in
// for the NATS chart under charts/. The real one is not vendored (nothing
// here reaches its repository; `helm dependency build` fetches it, see
// docs/kubernetes.md), and without it Helm refuses to render at all
// (TestDependencyNotVendored). The stand-in renders nothing: hubwire's own
// objects are what these tests check.
func withDependency(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "hubwire")
	if err := os.CopyFS(dir, os.DirFS(chartDir)); err != nil {
		t.Fatal(err)
	}
	stub := filepath.Join(dir, "charts", "nats")
	if err := os.MkdirAll(stub, 0o755); err != nil {
		t.Fatal(err)
	}
	meta := fmt.Sprintf("apiVersion: v2\nname: nats\nversion: %s\ndescription: stand-in for the NATS chart in tests\n", natsVersion)
	if err := os.WriteFile(filepath.Join(stub, "Chart.yaml"), []byte(meta), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// valueFiles is every values file the chart is tested with: none (the
// defaults) and each of ci/*-values.yaml.
func valueFiles(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(chartDir, "ci", "*-values.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no ci values files: %v", err)
	}
	cases := map[string][]string{"defaults": nil}
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		cases[strings.TrimSuffix(filepath.Base(f), "-values.yaml")] = []string{abs}
	}
	return cases
}

// readValues merges value files as `helm -f` does: each file's maps merged
// into the earlier ones', anything else replaced.
func readValues(t *testing.T, files []string) map[string]any {
	t.Helper()
	vals := map[string]any{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var current map[string]any
		if err := yaml.Unmarshal(raw, &current); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		vals = mergeMaps(vals, current)
	}
	return vals
}

func mergeMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bv, ok := v.(map[string]any); ok {
			if av, ok := out[k].(map[string]any); ok {
				out[k] = mergeMaps(av, bv)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// rendered is one `helm template` of the chart.
type rendered struct {
	objects []object
	notes   string
}

// object is one decoded Kubernetes object and its YAML text.
type object struct {
	kind, name string
	text       string
	value      any // a pointer to the typed object
	hook       bool
}

// render does what `helm template --kube-version 1.30 -f files…` does, for
// the release "hubwire" in namespace "hubwire" (tests included, as the CLI
// renders them unless --skip-tests).
func render(t *testing.T, dir string, vals map[string]any) rendered {
	t.Helper()
	return renderAs(t, dir, vals, "hubwire", "hubwire")
}

func renderAs(t *testing.T, dir string, vals map[string]any, release, namespace string) rendered {
	t.Helper()
	chrt, err := loader.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	// What `helm template` does (cmd/helm's install and pkg/action's
	// Install.Run and renderResources), without a cluster: the dependencies
	// must be there, the disabled ones are dropped, the release's values
	// are put together, the templates rendered and sorted in install order.
	if err := checkDependencies(chrt); err != nil {
		t.Fatal(err)
	}
	if err := chartutil.ProcessDependenciesWithMerge(chrt, vals); err != nil {
		t.Fatal(err)
	}
	caps := chartutil.DefaultCapabilities.Copy()
	caps.KubeVersion = *kubeVersion
	if !chartutil.IsCompatibleRange(chrt.Metadata.KubeVersion, caps.KubeVersion.String()) {
		t.Fatalf("the chart requires Kubernetes %s", chrt.Metadata.KubeVersion)
	}
	options := chartutil.ReleaseOptions{Name: release, Namespace: namespace, Revision: 1, IsInstall: true}
	top, err := chartutil.ToRenderValues(chrt, vals, options, caps)
	if err != nil {
		t.Fatal(err)
	}
	files, err := engine.Render(chrt, top)
	if err != nil {
		t.Fatalf("helm template: %v", err)
	}
	var r rendered
	for name, text := range files {
		if strings.HasSuffix(name, "NOTES.txt") {
			if name == path.Join(chrt.Name(), "templates", "NOTES.txt") {
				r.notes = text
			}
			delete(files, name)
		}
	}
	hooks, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		t.Fatalf("helm template: %v", err)
	}
	for _, m := range manifests {
		r.objects = append(r.objects, decode(t, m.Content, false))
	}
	for _, h := range hooks {
		r.objects = append(r.objects, decode(t, h.Manifest, true))
	}
	return r
}

// checkDependencies is the check `helm install` and `helm template` make
// before anything else (pkg/action's CheckDependencies, kept here so that
// this test does not link Helm's Kubernetes client): every dependency
// Chart.yaml names must be in charts/, enabled or not.
func checkDependencies(c *chart.Chart) error {
	var missing []string
	for _, r := range c.Metadata.Dependencies {
		if !slices.ContainsFunc(c.Dependencies(), func(d *chart.Chart) bool { return d.Name() == r.Name }) {
			missing = append(missing, r.Name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("found in Chart.yaml, but missing in charts/ directory: %s", strings.Join(missing, ", "))
	}
	return nil
}

// strictLint is `helm lint --strict` of the chart in dir with vals: every
// message of Helm's linter that is a warning or an error.
func strictLint(dir string, vals map[string]any) []string {
	linter := lint.AllWithKubeVersionAndSchemaValidation(dir, vals, "hubwire", kubeVersion, false)
	var problems []string
	for _, m := range linter.Messages {
		if m.Severity >= support.WarningSev {
			problems = append(problems, m.Err.Error())
		}
	}
	return problems
}

// decode reads one object strictly into its API type: a field the type
// does not have is an error, as the API server's strict field validation
// would refuse it.
func decode(t *testing.T, text string, hook bool) object {
	t.Helper()
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal([]byte(text), &meta); err != nil {
		t.Fatalf("not YAML: %v\n%s", err, text)
	}
	var v any
	switch meta.APIVersion + " " + meta.Kind {
	case "v1 Secret":
		v = &corev1.Secret{}
	case "v1 Service":
		v = &corev1.Service{}
	case "v1 ServiceAccount":
		v = &corev1.ServiceAccount{}
	case "v1 Pod":
		v = &corev1.Pod{}
	case "apps/v1 StatefulSet":
		v = &appsv1.StatefulSet{}
	case "apps/v1 Deployment":
		v = &appsv1.Deployment{}
	case "networking.k8s.io/v1 Ingress":
		v = &networkingv1.Ingress{}
	case "networking.k8s.io/v1 NetworkPolicy":
		v = &networkingv1.NetworkPolicy{}
	case "policy/v1 PodDisruptionBudget":
		v = &policyv1.PodDisruptionBudget{}
	case "autoscaling/v2 HorizontalPodAutoscaler":
		v = &autoscalingv2.HorizontalPodAutoscaler{}
	case "monitoring.coreos.com/v1 ServiceMonitor":
		v = &monitoringv1.ServiceMonitor{}
	case "gateway.networking.k8s.io/v1 HTTPRoute":
		v = &gatewayv1.HTTPRoute{}
	default:
		t.Fatalf("the chart renders a %s %s, which these tests do not know: add its type\n%s", meta.APIVersion, meta.Kind, text)
	}
	if err := yaml.UnmarshalStrict([]byte(text), v); err != nil {
		t.Fatalf("%s %s: %v\n%s", meta.Kind, meta.Metadata.Name, err, text)
	}
	return object{kind: meta.Kind, name: meta.Metadata.Name, text: text, value: v, hook: hook}
}

// of returns the objects of one kind, typed.
func of[T any](r rendered) []*T {
	var out []*T
	for _, o := range r.objects {
		if v, ok := o.value.(*T); ok {
			out = append(out, v)
		}
	}
	return out
}

// one returns the only object of its kind, failing unless there is one.
func one[T any](t *testing.T, r rendered) *T {
	t.Helper()
	all := of[T](r)
	if len(all) != 1 {
		var zero T
		t.Fatalf("%d objects of type %T, want 1", len(all), zero)
	}
	return all[0]
}

// workload is the pod template and the shape of the rendered StatefulSet
// or Deployment.
type workload struct {
	kind     string
	replicas *int32
	pod      corev1.PodTemplateSpec
	claims   []corev1.PersistentVolumeClaim
}

func workloadOf(t *testing.T, r rendered) workload {
	t.Helper()
	sets, deps := of[appsv1.StatefulSet](r), of[appsv1.Deployment](r)
	switch {
	case len(sets) == 1 && len(deps) == 0:
		s := sets[0]
		return workload{kind: "StatefulSet", replicas: s.Spec.Replicas, pod: s.Spec.Template, claims: s.Spec.VolumeClaimTemplates}
	case len(deps) == 1 && len(sets) == 0:
		d := deps[0]
		return workload{kind: "Deployment", replicas: d.Spec.Replicas, pod: d.Spec.Template}
	}
	t.Fatalf("%d StatefulSets and %d Deployments, want one of them", len(sets), len(deps))
	return workload{}
}

// container returns the named container of a pod spec (init containers too).
func container(t *testing.T, spec corev1.PodSpec, name string) corev1.Container {
	t.Helper()
	for _, c := range append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...) {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no container %q", name)
	return corev1.Container{}
}

func envValue(c corev1.Container, name string) (corev1.EnvVar, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e, true
		}
	}
	return corev1.EnvVar{}, false
}

// yamlOf is for failure messages.
func yamlOf(v any) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// manifestText joins rendered objects as one multi-document YAML file.
func manifestText(objs []object) string {
	var b bytes.Buffer
	for _, o := range objs {
		if o.hook {
			continue
		}
		io.WriteString(&b, "---\n")
		io.WriteString(&b, strings.TrimSpace(o.text))
		io.WriteString(&b, "\n")
	}
	return b.String()
}
