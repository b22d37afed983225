// Package testenv starts a real kube-apiserver and etcd (envtest) for integration tests, from the
// binaries hack/tools.sh builds, with the operator's CRDs installed.
package testenv

import (
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/percona"
	"github.com/dittofs/dittofs-operator/internal/toolchain"
)

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
