package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/dittofs/dittofs-operator/internal/toolchain"
)

// perconaModule is the module whose real CRDs the Percona tests install.
const perconaModule = "github.com/percona/percona-postgresql-operator/v2"

// PerconaCRDs is the path of Percona's own CRD manifest (8 CRDs, about 4.8 MB) inside the module
// cache, so the API server validates what the operator writes with Percona's schema and CEL
// rules, and the repository holds no copy of it.
func PerconaCRDs() (string, error) {
	root, err := toolchain.RepoRoot()
	if err != nil {
		return "", err
	}
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", perconaModule)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list -m %s: %w", perconaModule, err)
	}
	path := filepath.Join(strings.TrimSpace(string(out)), "deploy", "crd.yaml")
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("percona CRDs: %w", err)
	}
	return path, nil
}

// CertManagerCRDs is the path of cert-manager's own Certificate CRD, which hack/tools.sh takes
// from cert-manager's Go module into its cache, so the API server validates the Certificates the
// operator writes with cert-manager's schema. It fails when the file is not there.
func CertManagerCRDs() (string, error) {
	dir, err := toolchain.Dir("cert-manager")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "certificates.yaml")
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("cert-manager CRD: %w (run 'make tools')", err)
	}
	return path, nil
}
