package gc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/controllers"
	"github.com/dittofs/dittofs-operator/e2e/cluster"
	"github.com/dittofs/dittofs-operator/internal/specs"
	"github.com/dittofs/dittofs-operator/internal/testenv"
	"github.com/dittofs/dittofs-operator/internal/toolchain"
)

func init() { testenv.QuietLogs() }

const timeout = 60 * time.Second

var clusterGVK = schema.GroupVersionKind{Group: "pgv2.percona.com", Version: "v2", Kind: "PerconaPGCluster"}

// TestForegroundDeleteUnderRetainKeepsTheDatabase deletes DittoFS objects whose control plane is
// in a PerconaPGCluster they created, with deletionPolicy Retain, the way that hands the work to
// the garbage collector: kubectl delete --cascade=foreground. The garbage collector deletes the
// StatefulSet (which carries an owner reference, as it should), and the PerconaPGCluster stays.
func TestForegroundDeleteUnderRetainKeepsTheDatabase(t *testing.T) {
	e := start(t)

	// The operator away (crashed, upgrading, or its finalizer stripped): the garbage collector
	// alone acts on the foreground delete, so the outcome does not depend on who is faster.
	t.Run("while the operator is away", func(t *testing.T) {
		op := e.startOperator(t)
		d := e.servingOnCreatedCluster(t, "away")
		op.stop(t)
		e.foregroundDelete(t, d)
		e.waitFor(t, "the garbage collector to finish the foreground delete of DittoFS away", func(ctx context.Context) error {
			live := &v1alpha1.DittoFS{}
			if err := e.admin.Get(ctx, client.ObjectKeyFromObject(d), live); err != nil {
				return err
			}
			if slices.Contains(live.Finalizers, metav1.FinalizerDeleteDependents) {
				return fmt.Errorf("finalizers %v", live.Finalizers)
			}
			return e.gone(ctx, &appsv1.StatefulSet{}, specs.StatefulSetName(d))
		})
		e.requireKept(t, "away-pg")

		// Back, the operator finishes the deletion under Retain and still leaves the database.
		e.startOperator(t)
		e.waitFor(t, "the DittoFS to be gone", func(ctx context.Context) error {
			return e.gone(ctx, &v1alpha1.DittoFS{}, d.Name)
		})
		e.requireKept(t, "away-pg")
	})

	t.Run("while the operator runs", func(t *testing.T) {
		e.startOperator(t)
		d := e.servingOnCreatedCluster(t, "running")
		e.foregroundDelete(t, d)
		// Gone means both the operator's finalizer and the garbage collector's are done.
		e.waitFor(t, "the DittoFS to be gone", func(ctx context.Context) error {
			if err := e.gone(ctx, &appsv1.StatefulSet{}, specs.StatefulSetName(d)); err != nil {
				return err
			}
			return e.gone(ctx, &v1alpha1.DittoFS{}, d.Name)
		})
		e.requireKept(t, "running-pg")
	})
}

// env is one simulated cluster with Percona's CRDs and one namespace.
type env struct {
	c     *cluster.Cluster
	admin client.Client
	ns    string
}

func start(t *testing.T) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := cluster.Start(ctx, cluster.Options{})
	if errors.Is(err, cluster.ErrToolsMissing) {
		if os.Getenv("DITTOFS_REQUIRE_E2E") != "" {
			t.Fatalf("DITTOFS_REQUIRE_E2E is set but %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
	require.NoError(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("component logs:\n%s", c.TailLogs(40))
		}
		require.NoError(t, c.Stop())
	})
	root, err := toolchain.RepoRoot()
	require.NoError(t, err)
	percona, err := testenv.PerconaCRDs()
	require.NoError(t, err)
	require.NoError(t, c.InstallCRDs(ctx, filepath.Join(root, "deploy", "crd"), percona))
	admin, err := client.New(c.RESTConfig, client.Options{Scheme: testenv.Scheme()})
	require.NoError(t, err)
	e := &env{c: c, admin: admin, ns: "gc"}
	require.NoError(t, admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: e.ns}}))
	return e
}

// operator is the operator running in this process, main steps only (no server runs here).
type operator struct{ running *controllers.Running }

func (e *env) startOperator(t *testing.T) *operator {
	t.Helper()
	built, err := controllers.New(e.c.RESTConfig, controllers.Options{
		MetricsAddr: "0", ProbeAddr: "0", WatchNamespaces: []string{e.ns},
		SeveralInProcess: true, WithoutSubPhases: true,
	})
	require.NoError(t, err)
	require.NotNil(t, built.Reconciler.Percona, "the operator did not find the Percona CRD")
	op := &operator{running: built.Background(context.Background())}
	t.Cleanup(func() { op.stop(t) })
	return op
}

func (op *operator) stop(t *testing.T) {
	if op.running == nil {
		return
	}
	require.NoError(t, op.running.Stop())
	op.running = nil
}

// servingOnCreatedCluster creates a DittoFS on a PerconaPGCluster it creates and plays the
// Percona operator until the operator has made the server's StatefulSet.
func (e *env) servingOnCreatedCluster(t *testing.T, name string) *v1alpha1.DittoFS {
	t.Helper()
	ctx := context.Background()
	d := &v1alpha1.DittoFS{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: name},
		Spec: v1alpha1.DittoFSSpec{
			Service: v1alpha1.ServiceSpec{Type: "ClusterIP"},
			Storage: v1alpha1.StorageSpec{DeletionPolicy: v1alpha1.DeletionPolicyRetain},
			Database: v1alpha1.DatabaseSpec{Type: v1alpha1.DatabasePostgres, Postgres: &v1alpha1.PostgresSpec{
				Percona: &v1alpha1.PerconaSpec{Create: true},
			}},
		},
	}
	require.NoError(t, e.admin.Create(ctx, d))
	pgName := specs.CreatedPerconaClusterName(d)
	e.waitFor(t, "the operator to create PerconaPGCluster "+pgName+" and the Percona operator's status on it", func(ctx context.Context) error {
		pg := newCluster()
		if err := e.admin.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: pgName}, pg); err != nil {
			return err
		}
		if err := unstructured.SetNestedMap(pg.Object, map[string]any{
			"state": "ready", "host": pgName + "-primary." + e.ns + ".svc",
			"postgres": map[string]any{"size": int64(1), "ready": int64(1)},
		}, "status"); err != nil {
			return err
		}
		return e.admin.Status().Update(ctx, pg)
	})
	user := specs.PerconaUser(d)
	require.NoError(t, e.admin.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: specs.PerconaUserSecretName(pgName, user)},
		Data: map[string][]byte{
			"host": []byte(pgName + "-primary." + e.ns + ".svc"), "port": []byte("5432"),
			"user": []byte(user), "dbname": []byte(user), "password": []byte("pw"),
		},
	}))
	e.waitFor(t, "the operator to create the StatefulSet of "+name, func(ctx context.Context) error {
		sts := &appsv1.StatefulSet{}
		if err := e.admin.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: specs.StatefulSetName(d)}, sts); err != nil {
			live := &v1alpha1.DittoFS{}
			_ = e.admin.Get(ctx, client.ObjectKeyFromObject(d), live)
			return fmt.Errorf("%v; DittoFS phase %q, %s", err, live.Status.Phase, testenv.DescribeConditions(live.Status.Conditions))
		}
		if metav1.GetControllerOf(sts) == nil {
			return fmt.Errorf("StatefulSet %s has no controller, so the garbage collector would not prove anything", sts.Name)
		}
		return nil
	})
	return d
}

// foregroundDelete is kubectl delete --cascade=foreground.
func (e *env) foregroundDelete(t *testing.T, d *v1alpha1.DittoFS) {
	t.Helper()
	require.NoError(t, e.admin.Delete(context.Background(), d, client.PropagationPolicy(metav1.DeletePropagationForeground)))
}

// requireKept fails unless the PerconaPGCluster exists, is not being deleted and has no owner
// reference that would let the garbage collector take it later.
func (e *env) requireKept(t *testing.T, name string) {
	t.Helper()
	pg := newCluster()
	err := e.admin.Get(context.Background(), client.ObjectKey{Namespace: e.ns, Name: name}, pg)
	require.NoError(t, err, "the garbage collector deleted PerconaPGCluster %s under deletionPolicy Retain", name)
	require.Nil(t, pg.GetDeletionTimestamp(), "PerconaPGCluster %s is being deleted under deletionPolicy Retain", name)
	require.Empty(t, pg.GetOwnerReferences(), "PerconaPGCluster %s", name)
}

// gone returns nil once the named object of the namespace no longer exists.
func (e *env) gone(ctx context.Context, obj client.Object, name string) error {
	err := e.admin.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: name}, obj)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("%T %s still exists (deletionTimestamp %v, finalizers %v)", obj, name, obj.GetDeletionTimestamp(), obj.GetFinalizers())
}

// waitFor polls check until it returns nil, and fails after timeout with what it last saw.
func (e *env) waitFor(t *testing.T, what string, check func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last error
	for {
		if last = check(ctx); last == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("timed out after %s waiting for %s; last seen: %v", timeout, what, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func newCluster() *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(clusterGVK)
	return u
}
