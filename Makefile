# Everything a developer or CI runs goes through these targets.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c

TOOLS_SH := hack/tools.sh
CONTROLLER_GEN = $(shell bash $(TOOLS_SH) print-dir controller-gen)/controller-gen
GOLANGCI_LINT = $(shell bash $(TOOLS_SH) print-dir golangci-lint)/golangci-lint
ACTIONLINT = $(shell bash $(TOOLS_SH) print-dir actionlint)/actionlint
K8S_TOOLS = $(shell bash $(TOOLS_SH) print-dir k8s)

.PHONY: help
help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

.PHONY: tools
tools: ## Build the pinned toolchain into the cache (about 13 minutes the first time, then nothing).
	bash $(TOOLS_SH)

.PHONY: system-deps
system-deps: ## Install the Debian packages the tests need (PostgreSQL, skopeo, shellcheck) when they are missing.
	bash hack/system-deps.sh

.PHONY: generate
generate: ## Regenerate deepcopy, the CRD, RBAC, the Helm chart's copies of both, deploy/install.yaml, the phase diagram and the API reference (docs/api.md).
	TOOLS="controller-gen helm" bash $(TOOLS_SH)
	$(CONTROLLER_GEN) object paths=./apis/...
	$(CONTROLLER_GEN) crd:allowDangerousTypes=false paths=./apis/... output:crd:dir=deploy/crd
	$(CONTROLLER_GEN) rbac:roleName=dittofs-operator paths=./controllers/... paths=./phases/... output:rbac:dir=deploy/rbac
	go run ./hack/chartgen
	go run ./hack/installmanifest
	go run ./hack/phasediagram > docs/phase-machine.md
	go run ./hack/apidocs

.PHONY: verify-generated
verify-generated: generate ## Fail when generated files differ from what is checked in.
	@git diff --exit-code -- apis deploy/crd deploy/rbac deploy/helm/dittofs-operator/files deploy/install.yaml docs/phase-machine.md docs/api.md || { echo "generated files drifted: run 'make generate' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- apis deploy/crd deploy/rbac deploy/helm/dittofs-operator/files deploy/install.yaml docs)" || { git status --porcelain -- apis deploy/crd deploy/rbac deploy/helm/dittofs-operator/files deploy/install.yaml docs; echo "untracked generated files: run 'make generate' and commit"; exit 1; }

.PHONY: lint
lint: lint-workflows ## golangci-lint (.golangci.yml: gofmt, goimports, vet, staticcheck, ...) and go mod tidy leaving no diff.
	TOOLS=golangci-lint bash $(TOOLS_SH)
	$(GOLANGCI_LINT) run ./...
	go mod tidy -diff || { echo "go.mod/go.sum are not tidy: run 'go mod tidy' and commit"; exit 1; }

.PHONY: unit
unit: ## Unit tests (no control plane).
	go test ./apis/... ./phases/... ./internal/... ./cmd/... -count=1

.PHONY: race
race: ## Unit and envtest suites under the race detector.
	KUBEBUILDER_ASSETS=$(K8S_TOOLS) DITTOFS_REQUIRE_E2E=1 go test -race ./apis/... ./phases/... ./internal/... ./cmd/... ./controllers/... -count=1 -timeout 20m

.PHONY: test
test: tools system-deps lint verify-generated race ## Everything CI runs: lint, generated-file drift, the race detector on unit and envtest suites, then every test.
	KUBEBUILDER_ASSETS=$(K8S_TOOLS) DITTOFS_REQUIRE_E2E=1 go test ./... -count=1 -timeout 30m

.PHONY: faults
faults: tools ## The fault suite's long run: 100 SIGKILLs of the operator, an API server outage, a dead dfs (FAULTS_SEED= replays a run).
	KUBEBUILDER_ASSETS=$(K8S_TOOLS) DITTOFS_REQUIRE_E2E=1 FAULTS_LONG=1 go test ./e2e/faults -count=1 -v -timeout 60m

.PHONY: bench
bench: ## Benchmarks: print time and allocations per operation (nothing is asserted).
	go test ./... -run '^$$' -bench . -benchmem

.PHONY: scale-bench
scale-bench: tools ## The scale benchmark on the simulated cluster (N DittoFS at once, N from SCALE_N, default 1,10,100,1000) beside a no-operator floor; writes docs/benchmarks.md. Not part of make test.
	DITTOFS_SCALE_BENCH=1 SCALE_OUT=$(CURDIR)/docs/benchmarks.md go test ./e2e/scale -run TestScaleBench -count=1 -v -timeout 240m

.PHONY: demo
demo: tools ## Start a local control plane, run the operator, apply the sample and watch it reach Serving.
	go run ./e2e/demo

.PHONY: build
build: ## Build the manager binary.
	go build -o bin/manager ./cmd/manager

.PHONY: lint-workflows
lint-workflows: ## actionlint on .github/workflows (with shellcheck on their scripts when it is installed).
	TOOLS=actionlint bash $(TOOLS_SH)
	$(ACTIONLINT) -no-color

.PHONY: install-manifest
install-manifest: ## Render deploy/install.yaml (the chart with its defaults, for kubectl apply) alone; make generate does it too.
	TOOLS=helm bash $(TOOLS_SH)
	go run ./hack/installmanifest

.PHONY: image
image: ## Build the manager's OCI image for linux/amd64 and linux/arm64 into bin/image, without a container engine (VERSION=, IMAGE_REPOSITORY= override the chart's).
	go run ./hack/image -out bin/image $(if $(VERSION),-version $(VERSION)) $(if $(IMAGE_REPOSITORY),-repository $(IMAGE_REPOSITORY))
