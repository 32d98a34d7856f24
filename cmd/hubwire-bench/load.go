package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"runtime/trace"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// mix builds the bodies of a busy DTR: mostly pulls, some pushes and scan
// results, and Docker Hub pushes on the other URL. Every body is a new
// occurrence (its own time), so no delivery is a duplicate: one mix
// serves every slice and run against a target (a mix made anew per slice
// re-sent the first slice's occurrences, and 88.5% of the answers were
// duplicates), and its times start at its creation, so a second bench
// run against a running hubwire does not repeat the first.
type mix struct {
	n    atomic.Int64
	base time.Time
}

func newMix() *mix { return &mix{base: time.Now().UTC().Truncate(time.Second)} }

func (m *mix) next() (source string, body []byte, header http.Header) {
	n := m.n.Add(1)
	ts := m.base.Add(time.Duration(n) * time.Microsecond).Format(time.RFC3339Nano)
	epoch := m.base.Unix()
	switch n % 10 {
	case 0:
		return "dockerhub", fmt.Appendf(nil, `{"callback_url":"https://example.invalid/u/acme/api/hook/x/","push_data":{"pushed_at":%d,"images":[],"tag":"v%d","pusher":"ci"},"repository":{"repo_name":"acme/api","namespace":"acme","name":"api","status":"Active","is_private":true,"star_count":3,"comment_count":0,"date_created":1620102244,"repo_url":"https://hub.docker.com/r/acme/api"}}`, epoch+n, n), nil
	case 1:
		return "dtr", fmt.Appendf(nil, `{"type":"SCAN_COMPLETED","createdAt":%q,"contents":{"namespace":"acme","repository":"api","tag":"v%d","imageName":"acme/api:v%d","scanSummary":{"namespace":"acme","repository":"api","tag":"v%d","critical":0,"major":2,"minor":7,"last_scan_status":6,"check_completed_at":%q}}}`, ts, n, n, n, ts), nil
	case 2:
		return "dtr", fmt.Appendf(nil, `{"type":"TAG_PUSH","createdAt":%q,"contents":{"namespace":"acme","repository":"web","tag":"v%d","digest":"sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c","imageName":"acme/web:v%d","os":"linux","architecture":"amd64","author":"ci","pushedAt":%q},"location":"/repositories/acme/web/tags/v%d"}`, ts, n, n, ts, n), nil
	case 3:
		// A registry:2 notification: the envelope of one manifest push.
		return "distribution", fmt.Appendf(nil, `{"events":[{"id":"bench-%d-%d","timestamp":%q,"action":"push","target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":1402,"digest":"sha256:%064x","length":1402,"repository":"acme/worker","url":"https://registry.acme.io/v2/acme/worker/manifests/sha256:%064x","tag":"v%d"},"request":{"id":"r-%d","addr":"10.0.0.7:51234","host":"registry.acme.io","method":"PUT","useragent":"docker/26.1.0"},"actor":{"name":"ci"},"source":{"addr":"registry-0:5000","instanceID":"b5b3b1c4"}}]}`, epoch, n, ts, n, n, n, n), http.Header{"Content-Type": {"application/vnd.docker.distribution.events.v2+json"}}
	case 4:
		// A GitHub Packages delivery: a container version published.
		return "github", fmt.Appendf(nil, `{"action":"published","package":{"id":4242,"name":"api","namespace":"acme","ecosystem":"CONTAINER","package_type":"CONTAINER","html_url":"https://github.com/orgs/acme/packages/container/package/api","created_at":"2023-01-01T00:00:00Z","updated_at":%q,"owner":{"login":"acme","type":"Organization"},"package_version":{"id":%d,"version":"sha256:%064x","name":"sha256:%064x","created_at":%q,"updated_at":%q,"package_url":"ghcr.io/acme/api:v%d","container_metadata":{"tag":{"name":"v%d","digest":"sha256:%064x"}}}},"sender":{"login":"ci-bot"}}`, ts, n, n, n, ts, ts, n, n, n), http.Header{"X-Github-Event": {"package"}, "Content-Type": {"application/json"}}
	default:
		return "dtr", fmt.Appendf(nil, `{"type":"TAG_PULL","createdAt":%q,"contents":{"namespace":"team%d","repository":"service","tag":"latest","digest":"sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c","imageName":"team%d/service:latest","os":"linux","architecture":"amd64","author":"puller"}}`, ts, n%50, n%50), nil
	}
}

// result is what one load run saw.
type result struct {
	requests  int
	elapsed   time.Duration
	latencies []time.Duration
	statuses  map[int]int
	errors    int
	// duplicates are the answers that said "duplicate": true: none is
	// expected, as every delivery is a new occurrence.
	duplicates int
}

func (r result) rate() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// merge adds the requests of o, a slice of the same run, to r.
func (r result) merge(o result) result {
	if r.statuses == nil {
		r.statuses = map[int]int{}
	}
	r.requests += o.requests
	r.elapsed += o.elapsed
	r.errors += o.errors
	r.duplicates += o.duplicates
	for s, c := range o.statuses {
		r.statuses[s] += c
	}
	r.latencies = append(r.latencies, o.latencies...)
	slices.Sort(r.latencies)
	return r
}

func (r result) quantile(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[min(int(q*float64(len(r.latencies))), len(r.latencies)-1)]
}

// load posts the mix to hooks (source → URL) from concurrency connections
// for d. With rate > 0 the requests are paced to about that many per
// second in total (for latency at a given load); otherwise each
// connection sends its next request as soon as the last is answered.
func load(ctx context.Context, m *mix, hooks map[string]string, concurrency int, d time.Duration, rate float64) result {
	return loadCount(ctx, m, hooks, concurrency, d, rate, 0)
}

// loadCount is load that stops after count requests too, when count > 0.
// A source without a URL in hooks is left out of the mix.
func loadCount(ctx context.Context, m *mix, hooks map[string]string, concurrency int, d time.Duration, rate float64, count int64) result {
	var issued atomic.Int64
	transport := &http.Transport{MaxIdleConns: concurrency, MaxIdleConnsPerHost: concurrency, MaxConnsPerHost: concurrency}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	var mu sync.Mutex
	res := result{statuses: map[int]int{}}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			statuses := map[int]int{}
			errs, dups := 0, 0
			answer := make([]byte, 0, 512)
			var interval time.Duration
			next := time.Now()
			if rate > 0 {
				interval = time.Duration(float64(concurrency) / rate * float64(time.Second))
				next = next.Add(time.Duration(w) * interval / time.Duration(concurrency))
			}
			for ctx.Err() == nil {
				if interval > 0 {
					if wait := time.Until(next); wait > 0 {
						select {
						case <-time.After(wait):
						case <-ctx.Done():
							continue
						}
					}
					next = next.Add(interval)
				}
				if count > 0 && issued.Add(1) > count {
					break
				}
				source, body, header := m.next()
				for hooks[source] == "" {
					source, body, header = m.next()
				}
				req, _ := http.NewRequest(http.MethodPost, hooks[source], bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				for k, v := range header {
					req.Header[k] = v
				}
				// While an execution trace is taken (hubwire-bench latency), each
				// request is a region with its connection's local address, which
				// pairs it with the server's region for the same request.
				var region *trace.Region
				if trace.IsEnabled() {
					var local string
					rctx := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
						local = info.Conn.LocalAddr().String()
						trace.Log(ctx, "conn", local)
					}, WroteRequest: func(httptrace.WroteRequestInfo) {
						// On the transport's goroutine that wrote it.
						trace.Log(ctx, "wrote", local)
					}})
					region = trace.StartRegion(rctx, "request")
					req = req.WithContext(rctx)
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if region != nil {
						region.End()
					}
					if ctx.Err() == nil {
						errs++
					}
					continue
				}
				answer, _ = appendAll(answer[:0], resp.Body)
				resp.Body.Close()
				if region != nil {
					region.End()
				}
				if bytes.Contains(answer, []byte(`"duplicate":true`)) {
					dups++
				}
				lat = append(lat, time.Since(t0))
				statuses[resp.StatusCode]++
			}
			mu.Lock()
			res.latencies = append(res.latencies, lat...)
			for s, c := range statuses {
				res.statuses[s] += c
			}
			res.errors += errs
			res.duplicates += dups
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.requests = len(res.latencies)
	slices.Sort(res.latencies)
	return res
}

// appendAll appends what r holds to b.
func appendAll(b []byte, r io.Reader) ([]byte, error) {
	buf := bytes.NewBuffer(b)
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}
