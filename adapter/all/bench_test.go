package all_test

import (
	"net/http"
	"testing"

	"github.com/hubwire/hubwire/adapter"
	"github.com/hubwire/hubwire/adapter/all"
)

// mixDeliveries are the deliveries of make bench's mix, one of each kind,
// as hubwire-bench sends them (compact, as registries send JSON).
var mixDeliveries = []struct {
	name, registry string
	header         http.Header
	body           string
}{
	{"dtr_tag_pull", "dtr", nil, `{"type":"TAG_PULL","createdAt":"2026-12-02T16:24:00.000017Z","contents":{"namespace":"team17","repository":"service","tag":"latest","digest":"sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c","imageName":"team17/service:latest","os":"linux","architecture":"amd64","author":"puller"}}`},
	{"dtr_tag_push", "dtr", nil, `{"type":"TAG_PUSH","createdAt":"2026-12-02T16:24:00.000012Z","contents":{"namespace":"acme","repository":"web","tag":"v12","digest":"sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c","imageName":"acme/web:v12","os":"linux","architecture":"amd64","author":"ci","pushedAt":"2026-12-02T16:24:00.000012Z"},"location":"/repositories/acme/web/tags/v12"}`},
	{"dtr_scan_completed", "dtr", nil, `{"type":"SCAN_COMPLETED","createdAt":"2026-12-02T16:24:00.000011Z","contents":{"namespace":"acme","repository":"api","tag":"v11","imageName":"acme/api:v11","scanSummary":{"namespace":"acme","repository":"api","tag":"v11","critical":0,"major":2,"minor":7,"last_scan_status":6,"check_completed_at":"2026-12-02T16:24:00.000011Z"}}}`},
	{"dockerhub_push", "dockerhub", nil, `{"callback_url":"https://example.invalid/u/acme/api/hook/x/","push_data":{"pushed_at":1796228650,"images":[],"tag":"v10","pusher":"ci"},"repository":{"repo_name":"acme/api","namespace":"acme","name":"api","status":"Active","is_private":true,"star_count":3,"comment_count":0,"date_created":1620102244,"repo_url":"https://hub.docker.com/r/acme/api"}}`},
	{"distribution_manifest_push", "distribution", http.Header{"Content-Type": {"application/vnd.docker.distribution.events.v2+json"}}, `{"events":[{"id":"bench-1796228640-13","timestamp":"2026-12-02T16:24:00.000013Z","action":"push","target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":1402,"digest":"sha256:000000000000000000000000000000000000000000000000000000000000000d","length":1402,"repository":"acme/worker","url":"https://registry.acme.io/v2/acme/worker/manifests/sha256:000000000000000000000000000000000000000000000000000000000000000d","tag":"v13"},"request":{"id":"r-13","addr":"10.0.0.7:51234","host":"registry.acme.io","method":"PUT","useragent":"docker/26.1.0"},"actor":{"name":"ci"},"source":{"addr":"registry-0:5000","instanceID":"b5b3b1c4"}}]}`},
	{"github_package", "github", http.Header{"X-Github-Event": {"package"}, "Content-Type": {"application/json"}}, `{"action":"published","package":{"id":4242,"name":"api","namespace":"acme","ecosystem":"CONTAINER","package_type":"CONTAINER","html_url":"https://github.com/orgs/acme/packages/container/package/api","created_at":"2023-01-01T00:00:00Z","updated_at":"2026-12-02T16:24:00.000014Z","owner":{"login":"acme","type":"Organization"},"package_version":{"id":14,"version":"sha256:000000000000000000000000000000000000000000000000000000000000000e","name":"sha256:000000000000000000000000000000000000000000000000000000000000000e","created_at":"2026-12-02T16:24:00.000014Z","updated_at":"2026-12-02T16:24:00.000014Z","package_url":"ghcr.io/acme/api:v14","container_metadata":{"tag":{"name":"v14","digest":"sha256:000000000000000000000000000000000000000000000000000000000000000e"}}}},"sender":{"login":"ci-bot"}}`},
}

// BenchmarkDecodeMix decodes each kind of delivery of make bench's mix
// with its registry's decoder; ns/op is a sub-benchmark's one delivery.
func BenchmarkDecodeMix(b *testing.B) {
	for _, m := range mixDeliveries {
		reg, _ := all.Registries.Get(m.registry)
		dec := reg.New("http://127.0.0.1:8080/schemas/")
		d := adapter.Delivery{Header: m.header, Body: []byte(m.body)}
		if d.Header == nil {
			d.Header = http.Header{"Content-Type": {"application/json"}}
		}
		b.Run(m.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if events, err := dec.Decode(d); err != nil || len(events) != 1 {
					b.Fatal(events, err)
				}
			}
		})
	}
}
