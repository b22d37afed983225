#!/usr/bin/env bash
# Builds the test and demo toolchain from the Go module proxy into a cache folder outside the
# repository, one folder per tool and version. A tool that is already there is skipped, so a
# second run costs nothing. Each build goes to a temporary folder that is renamed into place only
# when it is complete, so an interrupted run never leaves a half-built tool behind.
#
# Usage: hack/tools.sh [print-dir NAME]
#   no argument      build everything that is missing
#   print-dir NAME   print the folder of one tool (k8s, kwok, helm, dittofs, controller-gen, golangci-lint, actionlint, cert-manager)
set -euo pipefail

ETCD_VERSION=v3.7.3
K8S_VERSION=v1.37.2
K8S_STAGING_VERSION=v0.37.2
KWOK_VERSION=v0.8.0
HELM_VERSION=v3.22.0
DITTOFS_VERSION=v0.29.0
CONTROLLER_TOOLS_VERSION=v0.23.0
GOLANGCI_LINT_VERSION=v2.15.0
ACTIONLINT_VERSION=v1.7.12
CERT_MANAGER_VERSION=v1.21.2

CACHE="${DITTOFS_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dittofs-operator/tools}"

dir_of() {
  case "$1" in
    k8s) echo "$CACHE/k8s-$K8S_VERSION-etcd-$ETCD_VERSION" ;;
    kwok) echo "$CACHE/kwok-$KWOK_VERSION" ;;
    helm) echo "$CACHE/helm-$HELM_VERSION" ;;
    dittofs) echo "$CACHE/dittofs-$DITTOFS_VERSION" ;;
    controller-gen) echo "$CACHE/controller-gen-$CONTROLLER_TOOLS_VERSION" ;;
    golangci-lint) echo "$CACHE/golangci-lint-$GOLANGCI_LINT_VERSION" ;;
    actionlint) echo "$CACHE/actionlint-$ACTIONLINT_VERSION" ;;
    cert-manager) echo "$CACHE/cert-manager-$CERT_MANAGER_VERSION" ;;
    *) echo "unknown tool: $1" >&2; return 1 ;;
  esac
}

if [ "${1:-}" = "print-dir" ]; then
  dir_of "$2"
  exit 0
fi

log() { echo "tools: $*" >&2; }

# quiet runs a command with its output kept aside, and prints that output only if it fails.
quiet() {
  local out
  out=$(mktemp)
  if ! "$@" >"$out" 2>&1; then
    cat "$out" >&2
    rm -f "$out"
    log "failed: $*"
    return 1
  fi
  rm -f "$out"
}

# scratch_module NAME creates an empty module in a temp folder and prints its path.
scratch_module() {
  local d
  d=$(mktemp -d "$CACHE/.build-$1.XXXXXX")
  (cd "$d" && quiet go mod init "scratch/$1")
  echo "$d"
}

# finish TMP DEST moves a completed build into place atomically.
finish() {
  rm -rf "$2"
  mv "$1" "$2"
}

build_k8s() {
  local dest tmp mod gomod ldflags
  dest=$(dir_of k8s)
  [ -x "$dest/kubectl" ] && return 0
  log "building etcd $ETCD_VERSION and kube-apiserver, kube-controller-manager, kube-scheduler, kubectl $K8S_VERSION (about 7 minutes)"
  tmp=$(mktemp -d "$CACHE/.out-k8s.XXXXXX")

  mod=$(scratch_module etcd)
  (cd "$mod" && quiet go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" \
    && CGO_ENABLED=0 go build -o "$tmp/etcd" go.etcd.io/etcd/server/v3)
  rm -rf "$mod"

  mod=$(scratch_module k8s)
  gomod=$(cd "$mod" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  # kubernetes requires its staging repositories at v0.0.0; point each at the published version.
  (cd "$mod" && go mod edit -require="k8s.io/kubernetes@$K8S_VERSION")
  grep -E '^\s*k8s\.io/[a-z0-9-]+ v0\.0\.0\s*$' "$gomod" | awk '{print $1}' | sort -u | while read -r m; do
    (cd "$mod" && go mod edit -replace="$m=$m@$K8S_STAGING_VERSION")
  done
  ldflags=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
    ldflags="$ldflags -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  (cd "$mod" && printf 'package tools\nimport (\n _ "k8s.io/kubernetes/cmd/kube-apiserver"\n _ "k8s.io/kubernetes/cmd/kube-controller-manager"\n _ "k8s.io/kubernetes/cmd/kube-scheduler"\n _ "k8s.io/kubectl/pkg/cmd"\n)\n' > tools.go \
    && quiet go mod tidy \
    && CGO_ENABLED=0 go build -ldflags "$ldflags" -o "$tmp/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
  rm -rf "$mod"
  finish "$tmp" "$dest"
}

build_kwok() {
  local dest tmp moddir s
  dest=$(dir_of kwok)
  [ -x "$dest/kwok" ] && return 0
  log "building kwok $KWOK_VERSION"
  tmp=$(mktemp -d "$CACHE/.out-kwok.XXXXXX")
  GOBIN="$tmp" quiet go install "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  moddir=$(go list -m -f '{{.Dir}}' "sigs.k8s.io/kwok@$KWOK_VERSION" 2>/dev/null || true)
  if [ -z "$moddir" ]; then
    moddir=$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  fi
  # kwok ships no default stages: these make fake nodes ready and run pods and volumes to completion.
  : > "$tmp/stages.yaml"
  for s in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
           pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
    { echo "---"; cat "$moddir/kustomize/stage/$s.yaml"; } >> "$tmp/stages.yaml"
  done
  for s in "$moddir"/kustomize/stage/volume/fast/*.yaml; do
    { echo "---"; cat "$s"; } >> "$tmp/stages.yaml"
  done
  finish "$tmp" "$dest"
}

build_helm() {
  local dest tmp
  dest=$(dir_of helm)
  [ -x "$dest/helm" ] && return 0
  log "building helm $HELM_VERSION"
  tmp=$(mktemp -d "$CACHE/.out-helm.XXXXXX")
  GOBIN="$tmp" quiet go install -ldflags "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  finish "$tmp" "$dest"
}

build_dittofs() {
  local dest tmp mod
  dest=$(dir_of dittofs)
  [ -x "$dest/dfs" ] && return 0
  log "building dfs and dfsctl $DITTOFS_VERSION (about 4 minutes)"
  tmp=$(mktemp -d "$CACHE/.out-dittofs.XXXXXX")
  mod=$(scratch_module dittofs)
  # go install @version would ask the proxy for the version list, which it refuses.
  (cd "$mod" && quiet go get "github.com/marmos91/dittofs/cmd/dfs@$DITTOFS_VERSION" "github.com/marmos91/dittofs/cmd/dfsctl@$DITTOFS_VERSION" \
    && go build -o "$tmp/" github.com/marmos91/dittofs/cmd/dfs github.com/marmos91/dittofs/cmd/dfsctl)
  rm -rf "$mod"
  finish "$tmp" "$dest"
}

build_controller_gen() {
  local dest tmp
  dest=$(dir_of controller-gen)
  [ -x "$dest/controller-gen" ] && return 0
  log "building controller-gen $CONTROLLER_TOOLS_VERSION"
  tmp=$(mktemp -d "$CACHE/.out-controller-gen.XXXXXX")
  GOBIN="$tmp" quiet go install "sigs.k8s.io/controller-tools/cmd/controller-gen@$CONTROLLER_TOOLS_VERSION"
  finish "$tmp" "$dest"
}

build_golangci_lint() {
  local dest tmp mod
  dest=$(dir_of golangci-lint)
  [ -x "$dest/golangci-lint" ] && return 0
  log "building golangci-lint $GOLANGCI_LINT_VERSION (about 2 minutes)"
  tmp=$(mktemp -d "$CACHE/.out-golangci-lint.XXXXXX")
  mod=$(scratch_module golangci-lint)
  # Built in a module of its own, so its dependencies never touch the project's go.mod.
  (cd "$mod" && quiet go get "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$GOLANGCI_LINT_VERSION" \
    && go build -o "$tmp/" github.com/golangci/golangci-lint/v2/cmd/golangci-lint)
  rm -rf "$mod"
  finish "$tmp" "$dest"
}

# actionlint checks the GitHub Actions workflows (make lint-workflows); it runs shellcheck on
# their run: scripts when shellcheck is on PATH (hack/system-deps.sh installs it).
build_actionlint() {
  local dest tmp
  dest=$(dir_of actionlint)
  [ -x "$dest/actionlint" ] && return 0
  log "building actionlint $ACTIONLINT_VERSION"
  tmp=$(mktemp -d "$CACHE/.out-actionlint.XXXXXX")
  GOBIN="$tmp" quiet go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  finish "$tmp" "$dest"
}

# cert-manager's own Certificate CRD, for the tests of controlPlane.tls.certManager
# (controllers/certmanagertest). Its Go module ships the CRDs as plain YAML; nothing is built and
# the project's go.mod does not depend on it.
build_cert_manager() {
  local dest tmp mod dir
  dest=$(dir_of cert-manager)
  [ -f "$dest/certificates.yaml" ] && return 0
  log "fetching the Certificate CRD of cert-manager $CERT_MANAGER_VERSION"
  tmp=$(mktemp -d "$CACHE/.out-cert-manager.XXXXXX")
  mod=$(scratch_module cert-manager)
  dir=$(cd "$mod" && go mod download -json "github.com/cert-manager/cert-manager@$CERT_MANAGER_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  cp "$dir/deploy/crds/cert-manager.io_certificates.yaml" "$tmp/certificates.yaml"
  rm -rf "$mod"
  finish "$tmp" "$dest"
}

mkdir -p "$CACHE"
# Leftovers of an interrupted run are never reused.
rm -rf "$CACHE"/.build-* "$CACHE"/.out-*
want="${TOOLS:-controller-gen golangci-lint actionlint k8s kwok helm dittofs cert-manager}"
for t in $want; do
  "build_${t//-/_}"
done
