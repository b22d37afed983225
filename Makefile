# Everything a developer or CI runs goes through these targets.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c

TOOLS_SH := hack/tools.sh
CONTROLLER_GEN = $(shell bash $(TOOLS_SH) print-dir controller-gen)/controller-gen
K8S_TOOLS = $(shell bash $(TOOLS_SH) print-dir k8s)

.PHONY: help
help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

.PHONY: tools
tools: ## Build the pinned toolchain into the cache (about 13 minutes the first time, then nothing).
	bash $(TOOLS_SH)

.PHONY: system-deps
system-deps: ## Install the Debian packages the tests need (PostgreSQL) when they are missing.
	bash hack/system-deps.sh

.PHONY: generate
generate: ## Regenerate deepcopy, the CRD, RBAC, the Helm chart's copies of both, and the phase diagram.
	TOOLS=controller-gen bash $(TOOLS_SH)
	$(CONTROLLER_GEN) object paths=./apis/...
	$(CONTROLLER_GEN) crd:allowDangerousTypes=false paths=./apis/... output:crd:dir=deploy/crd
	$(CONTROLLER_GEN) rbac:roleName=dittofs-operator paths=./controllers/... paths=./phases/... paths=./internal/manager/... output:rbac:dir=deploy/rbac
	go run ./hack/chartgen
	go run ./hack/phasediagram > docs/phase-machine.md

.PHONY: verify-generated
verify-generated: generate ## Fail when generated files differ from what is checked in.
	@git diff --exit-code -- apis deploy/crd deploy/rbac deploy/helm/dittofs-operator/files docs/phase-machine.md || { echo "generated files drifted: run 'make generate' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- apis deploy/crd deploy/rbac deploy/helm/dittofs-operator/files docs)" || { git status --porcelain -- apis deploy/crd deploy/rbac deploy/helm/dittofs-operator/files docs; echo "untracked generated files: run 'make generate' and commit"; exit 1; }

.PHONY: lint
lint: ## gofmt and go vet.
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	go vet ./...

.PHONY: unit
unit: ## Unit tests (no control plane).
	go test ./apis/... ./phases/... ./internal/... ./cmd/... -count=1

.PHONY: test
test: tools system-deps lint verify-generated ## Everything CI runs: lint, generated-file drift, unit, integration and end-to-end tests.
	KUBEBUILDER_ASSETS=$(K8S_TOOLS) DITTOFS_REQUIRE_E2E=1 go test ./... -count=1 -timeout 30m

.PHONY: bench
bench: ## Benchmarks: print time and allocations per operation (nothing is asserted).
	go test ./... -run '^$$' -bench . -benchmem

.PHONY: demo
demo: tools ## Start a local control plane, run the operator, apply the sample and watch it reach Serving.
	go run ./e2e/demo

.PHONY: build
build: ## Build the manager binary.
	go build -o bin/manager ./cmd/manager
