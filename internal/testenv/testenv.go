// Package testenv starts a real kube-apiserver and etcd (envtest) for integration tests, from the
// binaries hack/tools.sh builds, with the operator's CRDs installed.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/percona"
)

// RequireEnv names the variable that turns a missing toolchain from a skip into a failure (CI).
const RequireEnv = "DITTOFS_REQUIRE_E2E"

// RepoRoot walks up from the working directory to the folder holding go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// ToolsDir is the cache folder of one tool built by hack/tools.sh (k8s, kwok, helm, dittofs).
func ToolsDir(name string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	out, err := exec.Command("bash", filepath.Join(root, "hack", "tools.sh"), "print-dir", name).Output()
	if err != nil {
		return "", fmt.Errorf("hack/tools.sh print-dir %s: %w", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Scheme knows the built-in kinds, DittoFS and PerconaPGCluster (as the manager's scheme does;
// registering a kind needs no CRD).
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := percona.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}

// New describes an API server with the operator's CRDs and any extra CRD paths. It returns a
// reason to skip when the binaries are missing and RequireEnv is not set.
func New(extraCRDs ...string) (*envtest.Environment, string, error) {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		dir, err := ToolsDir("k8s")
		if err != nil {
			return nil, "", err
		}
		assets = dir
	}
	if _, err := os.Stat(filepath.Join(assets, "kube-apiserver")); err != nil {
		msg := fmt.Sprintf("no kube-apiserver in %s: run 'make tools' first", assets)
		if os.Getenv(RequireEnv) != "" {
			return nil, "", fmt.Errorf("%s", msg)
		}
		return nil, msg, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return nil, "", err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     append([]string{filepath.Join(root, "deploy", "crd")}, extraCRDs...),
		ErrorIfCRDPathMissing: true,
		Scheme:                Scheme(),
	}
	return env, "", nil
}
