package helm

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/chartgen"
)

const (
	crdName = "dittofses.dittofs.io"
	// chartDittoFSImage is what the cluster-wide install sets as dittofsImage; never pulled.
	chartDittoFSImage = "marmos91c/dittofs:v0.29.0-chart-e2e"
	// probeField is the optional spec field the upgraded chart's CRD adds.
	probeField = "upgradeProbe"
)

var dittofsGVR = schema.GroupVersionResource{Group: "dittofs.io", Version: "v1alpha1", Resource: "dittofses"}

// TestInstallUpgradeUninstall drives the chart through a platform team's life cycle on one
// simulated cluster: check that deploy/install.yaml applies, install the packaged chart (what a
// release pushes) watching all namespaces, run the operator as the chart's ServiceAccount,
// upgrade to a packaged chart whose CRD has a new field, uninstall, and install again from the
// folder watching two namespaces. Each step needs the one before, so the first failure stops
// the rest.
func TestInstallUpgradeUninstall(t *testing.T) {
	h := requireHelm(t)
	e := startEnv(t, h)
	e.createNamespace(t, releaseNamespace, true)
	for _, ns := range []string{"apps", "team-a", "team-b", "elsewhere"} {
		e.createNamespace(t, ns, true)
	}
	steps := []struct {
		name string
		run  func(t *testing.T, e *env)
	}{
		{"install.yaml applies (server-side dry run)", testInstallManifestDryRun},
		{"install watching all namespaces", testInstallClusterWide},
		{"operator as the ServiceAccount reaches Serving", testServeClusterWide},
		{"upgrade serves the new CRD field", testUpgradeCRD},
		{"uninstall keeps DittoFS objects and volumes", testUninstallKeeps},
		{"install watching two namespaces", testInstallNamespaced},
	}
	for _, s := range steps {
		if !t.Run(s.name, func(t *testing.T) { s.run(t, e) }) {
			t.Fatalf("step %q failed; skipping the rest", s.name)
		}
	}
}

func testInstallClusterWide(t *testing.T, e *env) {
	out := e.helmRun(t, "install", releaseName, e.helm.packageChart(t, chartDir(t)), "--namespace", releaseNamespace,
		"--set", "replicas=2", "--set", "dittofsImage="+chartDittoFSImage)
	t.Logf("helm install:\n%s", out)
	dep := e.waitDeploymentAvailable(t, 2)
	flags := managerFlags(t, dep)
	assert.True(t, flags.LeaderElect, "two replicas need leader election")
	assert.Equal(t, releaseNamespace, flags.LeaderElectionNamespace)
	assert.Empty(t, flags.WatchNamespaces)

	crd := e.waitCRDEstablished(t, "")
	assert.Equal(t, "keep", crd.Annotations["helm.sh/resource-policy"])

	ctx := context.Background()
	require.NoError(t, e.admin.Create(ctx, sample(t, "apps", "media")), "the sample must be accepted")
	plain := sample(t, "apps", "plain")
	plain.Spec.Image = ""
	require.NoError(t, e.admin.Create(ctx, plain))
	require.NoError(t, e.admin.Get(ctx, client.ObjectKeyFromObject(plain), plain))
	assert.Empty(t, plain.Spec.Image, "the CRD must not default spec.image, or the operator's default image never applies")
}

func testServeClusterWide(t *testing.T, e *env) {
	dep := e.deployment(t)
	op := startAsServiceAccount(t, e, dep)
	for _, name := range []string{"media", "plain"} {
		d := e.waitPhase(t, "apps", name, v1alpha1.PhaseServing, 60*time.Second)
		assert.Equal(t, "1/1", d.Status.ShareSummary, "the shares sub-phase ran against the real server (e2e/kubelet) as the ServiceAccount")
	}

	ctx := context.Background()
	sts := &appsv1.StatefulSet{}
	require.NoError(t, e.admin.Get(ctx, client.ObjectKey{Namespace: "apps", Name: "plain"}, sts))
	assert.Equal(t, chartDittoFSImage, sts.Spec.Template.Spec.Containers[0].Image, "a DittoFS without spec.image runs the chart's dittofsImage")
	require.NoError(t, e.admin.Get(ctx, client.ObjectKey{Namespace: "apps", Name: "media"}, sts))
	assert.Equal(t, sample(t, "apps", "media").Spec.Image, sts.Spec.Template.Spec.Containers[0].Image, "spec.image wins")
	assert.Len(t, e.boundClaims(t, "apps", "media"), 3)

	lease := &coordinationv1.Lease{}
	require.NoError(t, e.admin.Get(ctx, client.ObjectKey{Namespace: releaseNamespace, Name: "dittofs-operator.dittofs.io"}, lease))
	assert.NotEmpty(t, ptrString(lease.Spec.HolderIdentity), "the operator took the lease with the chart's Role")

	op.stop()
	assert.Empty(t, op.Forbidden(), "the chart's RBAC must cover everything the operator does")
}

func testUpgradeCRD(t *testing.T, e *env) {
	ctx := context.Background()
	// Before the upgrade the field is not in the schema: the API server prunes it.
	before := probeObject("probe-before", "before")
	_, err := e.dyn.Resource(dittofsGVR).Namespace("apps").Create(ctx, before, metav1.CreateOptions{})
	require.NoError(t, err)
	got, err := e.dyn.Resource(dittofsGVR).Namespace("apps").Get(ctx, "probe-before", metav1.GetOptions{})
	require.NoError(t, err)
	_, found, _ := unstructured.NestedString(got.Object, "spec", probeField)
	require.False(t, found, "spec.%s was kept before the upgrade, so this test proves nothing", probeField)

	chart := e.helm.packageChart(t, copyChartWithProbeField(t))
	out := e.helmRun(t, "upgrade", releaseName, chart, "--namespace", releaseNamespace, "--reuse-values")
	t.Logf("helm upgrade:\n%s", out)
	e.waitCRDEstablished(t, probeField)

	_, err = e.dyn.Resource(dittofsGVR).Namespace("apps").Create(ctx, probeObject("probe-after", "served"), metav1.CreateOptions{})
	require.NoError(t, err)
	got, err = e.dyn.Resource(dittofsGVR).Namespace("apps").Get(ctx, "probe-after", metav1.GetOptions{})
	require.NoError(t, err)
	v, _, _ := unstructured.NestedString(got.Object, "spec", probeField)
	assert.Equal(t, "served", v, "the upgraded CRD must serve spec.%s", probeField)
	e.waitDeploymentAvailable(t, 2)
}

func testUninstallKeeps(t *testing.T, e *env) {
	ctx := context.Background()
	before := e.boundClaims(t, "apps", "media")
	out := e.helmRun(t, "uninstall", releaseName, "--namespace", releaseNamespace)
	t.Logf("helm uninstall:\n%s", out)
	assert.Contains(t, out, crdName, "helm reports the CRD it kept")

	// The release is really gone...
	waitFor(t, 30*time.Second, "the chart's Deployment and ClusterRole to be deleted", func(ctx context.Context) (bool, string) {
		if gone, seen := e.notFound(ctx, &appsv1.Deployment{}, client.ObjectKey{Namespace: releaseNamespace, Name: fullname}); !gone {
			return false, seen
		}
		return e.notFound(ctx, &rbacv1.ClusterRole{}, client.ObjectKey{Name: fullname})
	})
	// ...and what users made is not.
	crd := &apiextensionsv1.CustomResourceDefinition{}
	require.NoError(t, e.admin.Get(ctx, client.ObjectKey{Name: crdName}, crd))
	assert.Nil(t, crd.DeletionTimestamp, "the CRD is being deleted")
	for _, name := range []string{"media", "plain", "probe-after"} {
		d := &v1alpha1.DittoFS{}
		require.NoError(t, e.admin.Get(ctx, client.ObjectKey{Namespace: "apps", Name: name}, d), "DittoFS %s", name)
		assert.Nil(t, d.DeletionTimestamp, "DittoFS %s is being deleted", name)
	}
	after := e.boundClaims(t, "apps", "media")
	assert.Equal(t, before, after, "the claims (and the volumes they are bound to) are untouched")
	for _, pvc := range after {
		pv := &corev1.PersistentVolume{}
		require.NoError(t, e.admin.Get(ctx, client.ObjectKey{Name: pvc.Spec.VolumeName}, pv))
		assert.Nil(t, pv.DeletionTimestamp)
	}
	sts := &appsv1.StatefulSet{}
	require.NoError(t, e.admin.Get(ctx, client.ObjectKey{Namespace: "apps", Name: "media"}, sts))
	assert.Nil(t, sts.DeletionTimestamp, "the server keeps running")
}

func testInstallNamespaced(t *testing.T, e *env) {
	ctx := context.Background()
	// Same release name and namespace: Helm adopts the CRD the last release kept.
	out := e.helmRun(t, "install", releaseName, chartDir(t), "--namespace", releaseNamespace,
		"--set", "watchNamespaces={team-a,team-b}")
	t.Logf("helm install:\n%s", out)
	dep := e.waitDeploymentAvailable(t, 1)
	flags := managerFlags(t, dep)
	assert.Equal(t, []string{"team-a", "team-b"}, flags.WatchNamespaces)
	assert.True(t, flags.LeaderElect, "leader election is on by default, one replica too")
	assert.Equal(t, appsv1.RollingUpdateDeploymentStrategyType, dep.Spec.Strategy.Type, "the lease keeps old and new manager apart")
	crd := e.waitCRDEstablished(t, "")
	assert.Equal(t, releaseName, crd.Annotations["meta.helm.sh/release-name"])

	gone, seen := e.notFound(ctx, &rbacv1.ClusterRole{}, client.ObjectKey{Name: fullname})
	assert.True(t, gone, "a namespaced install has no namespaced ClusterRole: %s", seen)
	for _, ns := range []string{"team-a", "team-b"} {
		require.NoError(t, e.admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: fullname}, &rbacv1.Role{}))
		require.NoError(t, e.admin.Create(ctx, sample(t, ns, "media")))
	}
	require.NoError(t, e.admin.Create(ctx, sample(t, "elsewhere", "ignored")))

	op := startAsServiceAccount(t, e, dep)
	for _, ns := range []string{"team-a", "team-b"} {
		e.waitPhase(t, ns, "media", v1alpha1.PhaseServing, 60*time.Second)
		assert.Len(t, e.boundClaims(t, ns, "media"), 3)
	}
	op.stop()
	assert.Empty(t, op.Forbidden(), "the chart's namespaced RBAC must cover everything the operator does")

	// Only the watched namespaces: the operator never touched the other one...
	ignored := &v1alpha1.DittoFS{}
	require.NoError(t, e.admin.Get(ctx, client.ObjectKey{Namespace: "elsewhere", Name: "ignored"}, ignored))
	assert.Empty(t, ignored.Finalizers)
	assert.Empty(t, ignored.Status.Phase)
	// ...and could not have: the ServiceAccount has no rights there, but can read StorageClasses.
	sa, err := kubernetes.NewForConfig(impersonating(e.c.RESTConfig, releaseNamespace, serviceAccount))
	require.NoError(t, err)
	_, err = sa.CoreV1().Secrets("elsewhere").List(ctx, metav1.ListOptions{})
	assert.True(t, apierrors.IsForbidden(err), "secrets in an unwatched namespace: want forbidden, got %v", err)
	_, err = sa.CoreV1().Secrets("team-a").List(ctx, metav1.ListOptions{})
	assert.NoError(t, err)
	_, err = sa.StorageV1().StorageClasses().List(ctx, metav1.ListOptions{})
	assert.NoError(t, err, "StorageClasses are cluster-scoped and always needed")
}

// probeObject is a DittoFS that sets the field only the upgraded CRD knows.
func probeObject(name, value string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "dittofs.io/v1alpha1",
		"kind":       "DittoFS",
		"metadata":   map[string]any{"name": name},
		"spec":       map[string]any{probeField: value},
	}}
}

// copyChartWithProbeField copies the chart to a temporary folder and adds an optional string
// field spec.upgradeProbe to its CRD, as a new chart version with a new API field would.
func copyChartWithProbeField(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "dittofs-operator")
	require.NoError(t, os.CopyFS(dst, os.DirFS(chartDir(t))))
	crdFile := filepath.Join(dst, strings.TrimPrefix(chartgen.ChartCRDDir, chartgen.ChartDir+"/"), "dittofs.io_dittofses.yaml")
	data, err := os.ReadFile(crdFile)
	require.NoError(t, err)
	crd := &apiextensionsv1.CustomResourceDefinition{}
	require.NoError(t, yaml.Unmarshal(data, crd))
	for i := range crd.Spec.Versions {
		spec := crd.Spec.Versions[i].Schema.OpenAPIV3Schema.Properties["spec"]
		spec.Properties[probeField] = apiextensionsv1.JSONSchemaProps{Type: "string", Description: "Added by the upgrade test."}
		crd.Spec.Versions[i].Schema.OpenAPIV3Schema.Properties["spec"] = spec
	}
	out, err := yaml.Marshal(crd)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(crdFile, out, 0o644))
	return dst
}

func ptrString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
