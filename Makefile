# hubwire: the two commands a new user needs are `make run` and `make test`.
GO ?= go
# Releases are tags vMAJOR.MINOR.PATCH; git describe says how far past the last one a build is,
# and the binary turns it into a semantic version (internal/buildinfo: 1.2.3, 1.2.4-dev.4+abc1234,
# or 0.0.0-dev+<commit> before the first tag). See docs/development.md.
VERSION ?= $(shell git describe --tags --match 'v[0-9]*.[0-9]*.[0-9]*' --dirty 2>/dev/null || git describe --always --dirty 2>/dev/null)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X main.Version=$(VERSION) -X main.Commit=$(COMMIT)
# The platforms make release builds for.
PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64

.PHONY: run build install release test interop helm manifests examples asyncapi vet fmt-check fuzz bench soak latency clean

## run: build and start hubwire with the embedded NATS JetStream (data in ./hubwire-data)
run: build
	./bin/hubwire serve

## build: build the binary into bin/hubwire
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/hubwire ./cmd/hubwire

## install: go install hubwire (into $(go env GOPATH)/bin, or GOBIN), so that `hubwire …` works
install:
	$(GO) install -ldflags "$(LDFLAGS)" ./cmd/hubwire
	@d=$$($(GO) env GOBIN); echo "installed $${d:-$$($(GO) env GOPATH)/bin}/hubwire (that directory must be on your PATH)"

## release: static binaries for every platform of PLATFORMS, and their SHA256SUMS, in dist/ (DIST)
DIST ?= dist
release:
	rm -rf $(DIST) && mkdir -p $(DIST)
	@set -e; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		echo "$(DIST)/hubwire-$$os-$$arch$$ext"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "-s -w $(LDFLAGS)" \
			-o $(DIST)/hubwire-$$os-$$arch$$ext ./cmd/hubwire; \
	done
	cd $(DIST) && sha256sum hubwire-* > SHA256SUMS
	@cat $(DIST)/SHA256SUMS

## test: formatting, go vet, then every test (with the race detector),
## including the seed corpus of every fuzz target and the examples' end-to-end test,
## and last the interop module's and the Helm chart's tests
test: fmt-check vet examples/js/node_modules
	$(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory interop
	$(MAKE) --no-print-directory helm

## interop: the CloudEvents SDK's Kafka binding (kafka_sarama) reads what the Kafka sink
## produces; a module of its own (interop/sarama), so that sarama stays out of go.mod
interop:
	cd interop/sarama && $(GO) test -count=1 ./...

## helm: lint and render the Helm chart (deploy/helm/hubwire) with Helm's Go module and check
## what it renders against the real hubwire; a module of its own (deploy/helm), so that Helm and
## the Kubernetes libraries stay out of go.mod (no race detector: nothing there is concurrent)
helm:
	cd deploy/helm && $(GO) vet ./... && $(GO) test -count=1 ./...

## manifests: rewrite deploy/kubernetes/hubwire.yaml from the chart (make helm fails while it differs)
manifests:
	cd deploy/helm && $(GO) test -count=1 -run '^TestPlainManifest$$' . -update

## examples: run the consumers in examples/ (Go, JavaScript, shell) against hubwire serve
examples: examples/js/node_modules
	$(GO) test -count=1 -v ./examples/

# The JavaScript examples' packages, exactly as package-lock.json pins them.
examples/js/node_modules: examples/js/package-lock.json
	npm ci --prefix examples/js --no-audit --no-fund
	@touch $@

## asyncapi: regenerate schemas/asyncapi.json from the registry list (adapter/all);
## make test fails while the committed one differs
asyncapi:
	$(GO) generate ./schemas

vet:
	$(GO) vet ./...

fmt-check:
	@unformatted=$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi

## bench: hubwire against a bare HTTP baseline, embedded JetStream and Kafka,
## replay speed and a large stream, in one run (two to five minutes)
BENCHFLAGS ?=
bench: build
	$(GO) build -o bin/hubwire-bench ./cmd/hubwire-bench
	./bin/hubwire-bench --hubwire bin/hubwire $(BENCHFLAGS)

## latency: where the p99 at half load comes from: execution traces of the load
## generator and of each server (baseline, floor, hubwire) at half its maximum,
## the slowest 1% of requests broken down; the traces are kept in latency-traces/
LATENCYFLAGS ?=
latency: build
	$(GO) build -o bin/hubwire-bench ./cmd/hubwire-bench
	./bin/hubwire-bench latency --hubwire bin/hubwire $(LATENCYFLAGS)

## soak: hubwire at half of its maximum rate for SOAKTIME (default 15m), its resident set
## sampled every 10 s, printed and drawn into soak.png
SOAKTIME ?= 15m
soak: build
	$(GO) build -o bin/hubwire-bench ./cmd/hubwire-bench
	./bin/hubwire-bench soak --hubwire bin/hubwire --duration $(SOAKTIME) $(BENCHFLAGS)

## fuzz: run each fuzz target for FUZZTIME (default 30s)
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./adapter/dockerhub -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/dtr -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/github -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/distribution -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/acr -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/harbor -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/artifactory -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/nexus -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/gitea -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/dtr -run '^$$' -fuzz '^FuzzCanonicalJSON$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/dtr -run '^$$' -fuzz '^FuzzCanonicalJSONStrings$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/dtr -run '^$$' -fuzz '^FuzzDataJSON$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/dockerhub -run '^$$' -fuzz '^FuzzDataJSON$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/quay -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/quay -run '^$$' -fuzz '^FuzzDataJSON$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/github -run '^$$' -fuzz '^FuzzDataJSON$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/distribution -run '^$$' -fuzz '^FuzzDataJSON$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/artifactory -run '^$$' -fuzz '^FuzzDataJSON$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/nexus -run '^$$' -fuzz '^FuzzDataJSON$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/gitea -run '^$$' -fuzz '^FuzzDataJSON$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/rawjson -run '^$$' -fuzz '^FuzzPayload$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/rawjson -run '^$$' -fuzz '^FuzzPayloadStrings$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/zot -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/ecr -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/gcr -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/dtr -run '^$$' -fuzz '^FuzzFastAsSlow$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/dockerhub -run '^$$' -fuzz '^FuzzFastAsSlow$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/distribution -run '^$$' -fuzz '^FuzzFastAsSlow$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/github -run '^$$' -fuzz '^FuzzFastAsSlow$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/rawjson -run '^$$' -fuzz '^FuzzScan$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter -run '^$$' -fuzz '^FuzzNewEvent$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/rawjson -run '^$$' -fuzz '^FuzzAppendString$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/reply -run '^$$' -fuzz '^FuzzParseAck$$' -fuzztime $(FUZZTIME)
	$(GO) test ./sinks/nats -run '^$$' -fuzz '^FuzzPercentRoundTrip$$' -fuzztime $(FUZZTIME)
	$(GO) test ./sinks/nats -run '^$$' -fuzz '^FuzzJSONValue$$' -fuzztime $(FUZZTIME)
	$(GO) test ./sinks/nats -run '^$$' -fuzz '^FuzzPubAck$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapter/reply -run '^$$' -fuzz '^FuzzDestinationJSON$$' -fuzztime $(FUZZTIME)

clean:
	rm -rf bin dist
