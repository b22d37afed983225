package helm

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/internal/toolchain"
)

// installManifest is deploy/install.yaml, which `make generate` renders from the chart for
// users without Helm.
func installManifest(t *testing.T) string {
	return filepath.Join(repoRoot(t), "deploy", "install.yaml")
}

// TestInstallManifestIsTheDefaultRender checks deploy/install.yaml without a cluster: the
// Namespace first, then what the chart renders with its defaults, labelled as kubectl's.
func TestInstallManifestIsTheDefaultRender(t *testing.T) {
	data, err := os.ReadFile(installManifest(t))
	require.NoError(t, err)
	objs := parseManifest(t, string(data))
	require.NotEmpty(t, objs)
	assert.Equal(t, "Namespace", objs[0].GetKind())
	assert.Equal(t, "dittofs-system", objs[0].GetName())
	assert.Equal(t, "restricted", objs[0].GetLabels()["pod-security.kubernetes.io/enforce"])
	kinds := map[string]int{}
	for _, o := range objs[1:] {
		kinds[o.GetKind()]++
		assert.Equal(t, "kubectl", o.GetLabels()["app.kubernetes.io/managed-by"], "%s %s", o.GetKind(), o.GetName())
		if o.GetNamespace() != "" {
			assert.Equal(t, "dittofs-system", o.GetNamespace(), "%s %s", o.GetKind(), o.GetName())
		}
	}
	for _, k := range []string{"CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Deployment", "Service"} {
		assert.NotZero(t, kinds[k], "install.yaml has no %s", k)
	}
	dep := managerDeployment(t, string(data))
	assert.Equal(t, "dittofs-operator", dep.Name)
	assert.Equal(t, "dittofs-operator", dep.Spec.Template.Spec.ServiceAccountName)
}

// testInstallManifestDryRun applies deploy/install.yaml server-side with a server dry run: the
// API server validates and admits every object (the CRD's schema, RBAC escalation checks, the
// Deployment) without keeping any.
func testInstallManifestDryRun(t *testing.T, e *env) {
	dir, err := toolchain.Dir("k8s")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "kubectl"), "apply", "--server-side", "--dry-run=server",
		"-f", installManifest(t), "--kubeconfig", e.c.Kubeconfig)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "kubectl apply --server-side --dry-run=server:\n%s", out)
	t.Logf("kubectl apply --server-side --dry-run=server:\n%s", out)
	data, err := os.ReadFile(installManifest(t))
	require.NoError(t, err)
	applied := strings.Count(string(out), "serverside-applied (server dry run)")
	assert.Equal(t, len(parseManifest(t, string(data))), applied, "every object is applied")

	gone, seen := e.notFound(ctx, &appsv1.Deployment{}, client.ObjectKey{Namespace: "dittofs-system", Name: "dittofs-operator"})
	assert.True(t, gone, "a dry run keeps nothing: %s", seen)
}
