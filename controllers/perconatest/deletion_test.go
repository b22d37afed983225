package perconatest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

func deleteAndWaitGone(t *testing.T, d *v1alpha1.DittoFS) {
	t.Helper()
	require.NoError(t, k8s.Delete(ctx, d))
	eventually(t, "the DittoFS to be gone", func() error {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(d), &v1alpha1.DittoFS{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (err=%v)", err)
	})
}

// TestRetainKeepsTheCreatedCluster: with deletionPolicy Retain (the default) the created
// cluster outlives its DittoFS with no owner reference, so the garbage collector leaves it and
// its data; a new DittoFS of the same name adopts it and uses it again.
func TestRetainKeepsTheCreatedCluster(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	d := servingOnCreatedCluster(t, ns, "keep")
	require.Empty(t, managedBy(cluster(t, ns, "keep-pg"), d))

	deleteAndWaitGone(t, d)
	pg := cluster(t, ns, "keep-pg")
	assert.Nil(t, pg.GetDeletionTimestamp())
	assert.Empty(t, pg.GetOwnerReferences(), "an owner reference lets the garbage collector take the database")

	again := onPercona(ns, "keep", "")
	again = createBound(t, again)
	eventually(t, "the new DittoFS to adopt the kept cluster", func() error {
		if why := managedBy(cluster(t, ns, "keep-pg"), again); why != "" {
			return fmt.Errorf("not adopted: %s", why)
		}
		return nil
	})
	// (The old StatefulSet is still there: envtest runs no garbage collector. So the phase may
	// already be Serving; the database condition is what this test is about.)
	eventually(t, "the adopted cluster to be used", func() error {
		if c := dbCondition(get(t, ns, "keep")); c.Reason != v1alpha1.ReasonPerconaReady {
			return fmt.Errorf("DatabaseReady %s: %s", c.Reason, c.Message)
		}
		return nil
	})
}

// TestDeleteDeletesTheCreatedCluster: with deletionPolicy Delete the created cluster goes too.
func TestDeleteDeletesTheCreatedCluster(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	d := onPercona(ns, "gone", "")
	d.Spec.Storage.DeletionPolicy = v1alpha1.DeletionPolicyDelete
	d = createBound(t, d)
	cluster(t, ns, "gone-pg")

	deleteAndWaitGone(t, d)
	eventually(t, "the created cluster to be deleted", func() error {
		gone, err := clusterGone(ns, "gone-pg")
		if err != nil || !gone {
			return fmt.Errorf("still there (err=%v)", err)
		}
		return nil
	})
}

// TestReferencedClusterIsNeverTouched walks a clusterRef DittoFS through its waits (cluster
// missing, user not declared) to ready, and checks the operator never writes the cluster, not
// even when the DittoFS is deleted with deletionPolicy Delete.
func TestReferencedClusterIsNeverTouched(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	d := onPercona(ns, "user", "shared")
	d.Spec.Storage.DeletionPolicy = v1alpha1.DeletionPolicyDelete
	d = createBound(t, d)
	waitForDatabase(t, d, v1alpha1.ReasonClusterNotFound, "shared")

	shared := newCluster(t, ns, "shared", "app")
	require.NoError(t, k8s.Create(ctx, shared))
	waitForDatabase(t, d, v1alpha1.ReasonUserNotDeclared, `does not declare user "dittofs-user"`)

	pg := cluster(t, ns, "shared")
	require.NoError(t, unstructuredAppendUser(pg, "dittofs-user"))
	require.NoError(t, k8s.Update(ctx, pg))
	waitForDatabase(t, d, v1alpha1.ReasonClusterInitializing, "no status yet")
	setClusterStatus(t, ns, "shared", "ready", 1, 1)
	require.NoError(t, k8s.Create(ctx, userSecret(ns, "shared", "dittofs-user", "pw")))
	waitFor(t, d, v1alpha1.PhaseConfigReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonPerconaReady)
	assertEnvWiredTo(t, d, "shared-pguser-dittofs-user")

	settle(t)
	before := cluster(t, ns, "shared")
	assert.Empty(t, before.GetOwnerReferences(), "a referenced cluster is not owned")
	deleteAndWaitGone(t, d)
	settle(t)
	after := cluster(t, ns, "shared")
	assert.Equal(t, before.GetResourceVersion(), after.GetResourceVersion(), "a referenced cluster is never written")
	for _, mf := range after.GetManagedFields() {
		assert.NotEqual(t, "dittofs-operator", mf.Manager, "the operator must own no field of a referenced cluster")
	}
}

// TestSameNamedClusterIsNotTakenOver: a cluster named like the one the DittoFS would create, but
// not made for it, is reported and left alone.
func TestSameNamedClusterIsNotTakenOver(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	theirs := newCluster(t, ns, "media-pg", "dittofs")
	require.NoError(t, k8s.Create(ctx, theirs))
	rv := theirs.GetResourceVersion()

	d := onPercona(ns, "media", "")
	d.Spec.Storage.DeletionPolicy = v1alpha1.DeletionPolicyDelete
	d = createBound(t, d)
	got := waitFor(t, d, v1alpha1.PhaseStorageReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonClusterConflict)
	assert.Contains(t, dbCondition(got).Message, "clusterRef")

	deleteAndWaitGone(t, d)
	assert.Equal(t, rv, cluster(t, ns, "media-pg").GetResourceVersion(), "a cluster the DittoFS did not create is never written or deleted")
}
