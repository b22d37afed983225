package helm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/e2e/cluster"
	"github.com/dittofs/dittofs-operator/e2e/kubelet"
	"github.com/dittofs/dittofs-operator/internal/testenv"
	"github.com/dittofs/dittofs-operator/internal/toolchain"
)

// env is one simulated cluster with the clients and helm the lifecycle test uses.
type env struct {
	c     *cluster.Cluster
	helm  *helmCLI
	admin client.Client // as the cluster admin: plays the user
	dyn   dynamic.Interface
	node  *kubelet.Node // runs the real dfs for every DittoFS server pod
}

// startEnv starts a simulated cluster, or skips (fails under DITTOFS_REQUIRE_E2E) when its
// binaries are missing. A failing test prints the tail of every component log.
func startEnv(t *testing.T, h *helmCLI) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	c, err := cluster.Start(ctx, cluster.Options{})
	if errors.Is(err, cluster.ErrToolsMissing) {
		skipOrFail(t, err.Error())
	}
	require.NoError(t, err)
	t.Logf("simulated cluster up in %s", time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("component logs:\n%s", c.TailLogs(30))
		}
		require.NoError(t, c.Stop())
	})
	scheme := testenv.Scheme()
	require.NoError(t, apiextensionsv1.AddToScheme(scheme))
	admin, err := client.New(c.RESTConfig, client.Options{Scheme: scheme})
	require.NoError(t, err)
	dyn, err := dynamic.NewForConfig(c.RESTConfig)
	require.NoError(t, err)

	// Percona's CRD makes the operator watch PerconaPGClusters, so the RBAC proof covers that too.
	perconaCRDs, err := testenv.PerconaCRDs()
	require.NoError(t, err)
	require.NoError(t, c.InstallCRDs(ctx, perconaCRDs))

	dfs, err := toolchain.Dir("dittofs")
	require.NoError(t, err)
	node := kubelet.NewNode(t.TempDir(), filepath.Join(dfs, "dfs"), admin)
	nodeCtx, stopNode := context.WithCancel(context.Background())
	nodeDone := make(chan struct{})
	go func() { defer close(nodeDone); node.Run(nodeCtx) }()
	t.Cleanup(func() { stopNode(); <-nodeDone })
	return &env{c: c, helm: h, admin: admin, dyn: dyn, node: node}
}

// helmRun runs helm against the cluster.
func (e *env) helmRun(t *testing.T, args ...string) string {
	t.Helper()
	return e.helm.mustRun(t, append(args, "--kubeconfig", e.c.Kubeconfig)...)
}

// createNamespace creates ns; restricted namespaces enforce the restricted Pod Security Standard,
// so a pod that does not meet it is never created.
func (e *env) createNamespace(t *testing.T, ns string, restricted bool) {
	t.Helper()
	obj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
	if restricted {
		obj.Labels = map[string]string{
			"pod-security.kubernetes.io/enforce":         "restricted",
			"pod-security.kubernetes.io/enforce-version": "latest",
		}
	}
	require.NoError(t, e.admin.Create(context.Background(), obj))
}

// waitFor polls check until it reports done or timeout passes, then fails with what it last saw.
func waitFor(t *testing.T, timeout time.Duration, what string, check func(ctx context.Context) (bool, string)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	var seen string
	for {
		done, s := check(ctx)
		if done {
			t.Logf("%s after %s (saw: %s)", what, time.Since(start).Round(time.Millisecond), s)
			return
		}
		seen = s
		select {
		case <-ctx.Done():
			t.Fatalf("timed out after %s waiting for %s; last seen: %s", timeout, what, seen)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// sample reads deploy/samples/dittofs-sqlite.yaml as a DittoFS named name in namespace ns.
func sample(t *testing.T, ns, name string) *v1alpha1.DittoFS {
	t.Helper()
	data, err := os.ReadFile(repoRoot(t) + "/deploy/samples/dittofs-sqlite.yaml")
	require.NoError(t, err)
	d := &v1alpha1.DittoFS{}
	require.NoError(t, yaml.UnmarshalStrict(data, d))
	d.Namespace, d.Name = ns, name
	return d
}

// waitPhase waits until the DittoFS ns/name reports phase.
func (e *env) waitPhase(t *testing.T, ns, name string, phase v1alpha1.Phase, timeout time.Duration) *v1alpha1.DittoFS {
	t.Helper()
	d := &v1alpha1.DittoFS{}
	waitFor(t, timeout, fmt.Sprintf("DittoFS %s/%s to be %s", ns, name, phase), func(ctx context.Context) (bool, string) {
		if err := e.admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, d); err != nil {
			return false, err.Error()
		}
		return d.Status.Phase == phase, describePhase(d)
	})
	return d
}

// describePhase is the phase and every condition that is not True, for timeout messages.
func describePhase(d *v1alpha1.DittoFS) string {
	s := fmt.Sprintf("phase %q", d.Status.Phase)
	for _, c := range d.Status.Conditions {
		if c.Status != metav1.ConditionTrue {
			s += fmt.Sprintf("; %s=%s %s: %s", c.Type, c.Status, c.Reason, c.Message)
		}
	}
	return s
}

// notFound reports whether obj is gone, or what is still there.
func (e *env) notFound(ctx context.Context, obj client.Object, key client.ObjectKey) (bool, string) {
	err := e.admin.Get(ctx, key, obj)
	if apierrors.IsNotFound(err) {
		return true, ""
	}
	if err != nil {
		return false, err.Error()
	}
	return false, fmt.Sprintf("%T %s still exists (deletionTimestamp %v)", obj, key, obj.GetDeletionTimestamp())
}
