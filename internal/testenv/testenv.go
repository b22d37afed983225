// Package testenv starts a real kube-apiserver and etcd (envtest) for integration tests, from the
// binaries hack/tools.sh builds, with the operator's CRDs installed.
package testenv

import (
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/dittofs/dittofs-operator/internal/scheme"
	"github.com/dittofs/dittofs-operator/internal/toolchain"
)

// Scheme is the operator's scheme, for the tests' own clients.
func Scheme() *runtime.Scheme { return scheme.New() }

// New describes an API server with the operator's CRDs and any extra CRD paths. It returns a
// reason to skip when the binaries are missing and toolchain.RequireEnv is not set.
func New(extraCRDs ...string) (*envtest.Environment, string, error) {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		dir, err := toolchain.Dir("k8s")
		if err != nil {
			return nil, "", err
		}
		assets = dir
	}
	if _, err := os.Stat(filepath.Join(assets, "kube-apiserver")); err != nil {
		msg := fmt.Sprintf("no kube-apiserver in %s: run 'make tools' first", assets)
		if toolchain.Required() {
			return nil, "", fmt.Errorf("%s", msg)
		}
		return nil, msg, nil
	}
	root, err := toolchain.RepoRoot()
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
