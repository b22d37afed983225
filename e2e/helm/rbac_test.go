package helm

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/dittofs/dittofs-operator/internal/chartgen"
)

// TestGeneratedChartFilesAreCurrent fails when deploy/ changed (new markers, a CRD change) and
// `make generate` has not refreshed the chart's copies.
func TestGeneratedChartFilesAreCurrent(t *testing.T) {
	root := repoRoot(t)
	want, err := chartgen.Render(root)
	require.NoError(t, err)
	for rel, data := range want {
		got, err := os.ReadFile(filepath.Join(root, rel))
		require.NoError(t, err, "run make generate")
		assert.Equal(t, string(data), string(got), "%s is stale: run make generate", rel)
	}
	onDisk, err := filepath.Glob(filepath.Join(root, chartgen.ChartCRDDir, "*"))
	require.NoError(t, err)
	assert.Len(t, onDisk, len(want)-1, "the chart has CRDs deploy/crd does not: run make generate")
}

// granted is what one render grants the ServiceAccount, per namespace ("" for cluster-wide).
type granted map[string]map[chartgen.Permission]bool

// grants collects the permissions every binding in a render gives the chart's ServiceAccount,
// checking on the way that each binding points at a role of the same render.
func grants(t *testing.T, objs []*unstructured.Unstructured, sa string) granted {
	t.Helper()
	roles := map[string][]rbacv1.PolicyRule{} // "Kind/namespace/name"
	for _, kind := range []string{"ClusterRole", "Role"} {
		for _, o := range ofKind(objs, kind) {
			var r rbacv1.Role
			require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &r))
			roles[kind+"/"+r.Namespace+"/"+r.Name] = r.Rules
		}
	}
	out := granted{}
	for _, kind := range []string{"ClusterRoleBinding", "RoleBinding"} {
		for _, o := range ofKind(objs, kind) {
			var b rbacv1.RoleBinding
			require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &b))
			require.Equal(t, []rbacv1.Subject{{Kind: "ServiceAccount", Name: sa, Namespace: releaseNamespace}}, b.Subjects, "%s %s", kind, b.Name)
			ns := ""
			if b.RoleRef.Kind == "Role" {
				ns = b.Namespace
			}
			rules, ok := roles[b.RoleRef.Kind+"/"+ns+"/"+b.RoleRef.Name]
			require.True(t, ok, "%s %s refers to %s %s, which the chart does not render", kind, b.Name, b.RoleRef.Kind, b.RoleRef.Name)
			if out[b.Namespace] == nil {
				out[b.Namespace] = map[chartgen.Permission]bool{}
			}
			for p := range chartgen.Permissions(rules) {
				out[b.Namespace][p] = true
			}
		}
	}
	return out
}

// union is every permission granted anywhere.
func (g granted) union() map[chartgen.Permission]bool {
	out := map[chartgen.Permission]bool{}
	for _, perms := range g {
		for p := range perms {
			out[p] = true
		}
	}
	return out
}

func (g granted) namespaces() []string {
	var out []string
	for ns := range g {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}

// rolePermissions are the permissions of deploy/rbac/role.yaml, which controller-gen writes from
// the +kubebuilder:rbac markers.
func rolePermissions(t *testing.T) map[chartgen.Permission]bool {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), chartgen.RoleFile))
	require.NoError(t, err)
	rules, err := chartgen.ParseRole(data)
	require.NoError(t, err)
	return chartgen.Permissions(rules)
}

func without(all map[chartgen.Permission]bool, drop func(chartgen.Permission) bool) map[chartgen.Permission]bool {
	out := map[chartgen.Permission]bool{}
	for p := range all {
		if !drop(p) {
			out[p] = true
		}
	}
	return out
}

// isLeaderElection matches what only leader election needs: the lease and the core/v1 Events it
// records (the reconciler's own events use events.k8s.io).
func isLeaderElection(p chartgen.Permission) bool {
	return (p.Group == "coordination.k8s.io" && p.Resource == "leases") || (p.Group == "" && p.Resource == "events")
}

// isClusterScoped matches what has no namespace: StorageClasses, and the token and access
// reviews the metrics filter creates.
func isClusterScoped(p chartgen.Permission) bool {
	return (p.Group == "storage.k8s.io" && p.Resource == "storageclasses") ||
		(p.Group == "authentication.k8s.io" && p.Resource == "tokenreviews") ||
		(p.Group == "authorization.k8s.io" && p.Resource == "subjectaccessreviews")
}

// TestChartRBACMatchesRole checks that the chart grants exactly what deploy/rbac/role.yaml
// holds, no more and no less, and puts each permission where it belongs: StorageClasses always
// cluster-wide, the lease only in the release namespace, the rest in the watched namespaces (or
// cluster-wide when all are watched).
func TestChartRBACMatchesRole(t *testing.T) {
	h := requireHelm(t)
	role := rolePermissions(t)
	require.NotEmpty(t, role)
	nsRules := without(role, func(p chartgen.Permission) bool { return isLeaderElection(p) || isClusterScoped(p) })
	leases := without(role, func(p chartgen.Permission) bool { return !isLeaderElection(p) })
	classes := without(role, func(p chartgen.Permission) bool { return !isClusterScoped(p) })
	require.Len(t, leases, 5, "role.yaml lacks the lease (get, create, update) or core Events (create, patch) rule: did the leader-election markers move?")
	require.Len(t, classes, 4, "role.yaml lacks the StorageClass (list, watch) or review (tokenreviews, subjectaccessreviews create) rules: did the storage or metrics markers move?")

	t.Run("all namespaces, leader election", func(t *testing.T) {
		g := grants(t, parseManifest(t, h.template(t, chartDir(t), "--set", "replicas=2")), serviceAccount)
		assert.Equal(t, role, g.union(), "the chart must grant exactly role.yaml")
		assert.Equal(t, []string{"", releaseNamespace}, g.namespaces())
		assert.Equal(t, leases, g[releaseNamespace], "the release namespace gets only what leader election needs")
		assert.Equal(t, merge(nsRules, classes), g[""])
	})

	t.Run("all namespaces, defaults", func(t *testing.T) {
		g := grants(t, parseManifest(t, h.template(t, chartDir(t))), serviceAccount)
		assert.Equal(t, role, g.union(), "leader election is on by default")
		assert.Equal(t, leases, g[releaseNamespace])
	})

	t.Run("all namespaces, one replica without leader election", func(t *testing.T) {
		g := grants(t, parseManifest(t, h.template(t, chartDir(t), "--set", "leaderElection.enabled=false")), serviceAccount)
		assert.Equal(t, without(role, isLeaderElection), g.union(), "no lease rights without leader election")
		assert.Equal(t, []string{""}, g.namespaces())
	})

	t.Run("namespaced, leader election", func(t *testing.T) {
		g := grants(t, parseManifest(t, h.template(t, chartDir(t),
			"--values", "testdata/values-namespaced.yaml", "--set", "leaderElection.enabled=true")), serviceAccount)
		assert.Equal(t, role, g.union(), "the chart must grant exactly role.yaml")
		assert.Equal(t, []string{"", "a", "b", releaseNamespace}, g.namespaces())
		assert.Equal(t, classes, g[""], "cluster-wide only what has no namespace: StorageClasses and the metrics filter's reviews")
		assert.Equal(t, nsRules, g["a"])
		assert.Equal(t, nsRules, g["b"])
		assert.Equal(t, leases, g[releaseNamespace])
	})

	t.Run("namespaced, the release namespace watched too", func(t *testing.T) {
		g := grants(t, parseManifest(t, h.template(t, chartDir(t),
			"--set", "watchNamespaces={a,"+releaseNamespace+"}", "--set", "replicas=3")), serviceAccount)
		assert.Equal(t, merge(nsRules, leases), g[releaseNamespace])
	})

	t.Run("existing service account", func(t *testing.T) {
		objs := parseManifest(t, h.template(t, chartDir(t), "--set", "serviceAccount.create=false", "--set", "serviceAccount.name=platform-operator"))
		assert.Empty(t, ofKind(objs, "ServiceAccount"))
		assert.Equal(t, role, grants(t, objs, "platform-operator").union())
	})
}

func merge(sets ...map[chartgen.Permission]bool) map[chartgen.Permission]bool {
	out := map[chartgen.Permission]bool{}
	for _, s := range sets {
		for p := range s {
			out[p] = true
		}
	}
	return out
}

// TestChartCRDMatchesDeploy checks that the chart renders deploy/crd unchanged apart from the
// keep policy and the release labels, and renders no CRD when crds.install is off.
func TestChartCRDMatchesDeploy(t *testing.T) {
	h := requireHelm(t)
	files, err := filepath.Glob(filepath.Join(repoRoot(t), chartgen.CRDDir, "*.yaml"))
	require.NoError(t, err)
	want := map[string]map[string]any{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		var crd map[string]any
		require.NoError(t, yaml.Unmarshal(data, &crd))
		want[fmt.Sprint(crd["metadata"].(map[string]any)["name"])] = crd
	}

	crds := ofKind(parseManifest(t, h.template(t, chartDir(t))), "CustomResourceDefinition")
	require.Len(t, crds, len(want))
	for _, crd := range crds {
		assert.Equal(t, "keep", crd.GetAnnotations()["helm.sh/resource-policy"], "helm uninstall would delete every DittoFS")
		assert.Equal(t, "Helm", crd.GetLabels()["app.kubernetes.io/managed-by"])
		got := crd.DeepCopy().Object
		meta := got["metadata"].(map[string]any)
		delete(meta, "labels")
		delete(meta["annotations"].(map[string]any), "helm.sh/resource-policy")
		w, ok := want[crd.GetName()]
		require.True(t, ok, "CRD %s is not in deploy/crd", crd.GetName())
		// Compare through JSON so numbers have one type on both sides.
		assert.JSONEq(t, mustJSON(t, w), mustJSON(t, got), "CRD %s differs from deploy/crd", crd.GetName())
	}

	none := ofKind(parseManifest(t, h.template(t, chartDir(t), "--set", "crds.install=false")), "CustomResourceDefinition")
	assert.Empty(t, none)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := yaml.Marshal(v)
	require.NoError(t, err)
	j, err := yaml.YAMLToJSON(data)
	require.NoError(t, err)
	return string(j)
}
