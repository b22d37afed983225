package perconatest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// Two DittoFS must never share one control-plane database: the default user and database are
// per DittoFS, a clusterRef to a cluster another DittoFS created is refused, and a cluster
// another DittoFS references is never deleted with its creator.

// TestDefaultUserIsPerDittoFS: a DittoFS that names no user gets a user and database of its own,
// so two DittoFS on one cluster never meet in the same database.
func TestDefaultUserIsPerDittoFS(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	d := createBound(t, onPercona(ns, "media", ""))
	assert.Empty(t, d.Spec.Database.Postgres.Percona.User, "the API server defaults no shared user")

	users, _, _ := unstructured.NestedSlice(cluster(t, ns, "media-pg").Object, "spec", "users")
	require.Len(t, users, 1)
	assert.Equal(t, "dittofs-media", users[0].(map[string]any)["name"])
	assert.Equal(t, []any{"dittofs-media"}, users[0].(map[string]any)["databases"])

	setClusterStatus(t, ns, "media-pg", "ready", 1, 1)
	require.NoError(t, k8s.Create(ctx, userSecret(ns, "media-pg", "dittofs-media", "pw")))
	waitFor(t, d, v1alpha1.PhaseConfigReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonPerconaReady)
	assertEnvWiredTo(t, d, "media-pg-pguser-dittofs-media")
}

// TestKeptClusterKeepsItsLegacyUser: a cluster kept (Retain) from a DittoFS of the time when every
// DittoFS used user and database dittofs holds that server's control plane; the DittoFS recreated
// over it without a user keeps using dittofs instead of starting on an empty database.
func TestKeptClusterKeepsItsLegacyUser(t *testing.T) {
	ns := newNamespace(t)
	kept := newCluster(t, ns, "media-pg", "dittofs")
	kept.SetLabels(map[string]string{specs.NameLabel: "dittofs", specs.InstanceLabel: "media", specs.ManagedByLabel: specs.ManagedBy})
	require.NoError(t, k8s.Create(ctx, kept))
	startOperator(t, ns)
	d := createBound(t, onPercona(ns, "media", ""))

	setClusterStatus(t, ns, "media-pg", "ready", 1, 1)
	require.NoError(t, k8s.Create(ctx, userSecret(ns, "media-pg", "dittofs", "pw")))
	waitFor(t, d, v1alpha1.PhaseConfigReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonPerconaReady)
	assertEnvWiredTo(t, d, "media-pg-pguser-dittofs")
	pg := cluster(t, ns, "media-pg")
	assert.Empty(t, managedBy(pg, d), "adopted")
	users, _, _ := unstructured.NestedSlice(pg.Object, "spec", "users")
	require.Len(t, users, 1, "no second user: %v", users)
	assert.Equal(t, "dittofs", users[0].(map[string]any)["name"])
}

// TestClusterRefToAnotherDittoFSsClusterIsRefused: a clusterRef to the cluster another DittoFS
// created is DatabaseInUse, whatever users it declares.
func TestClusterRefToAnotherDittoFSsClusterIsRefused(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	servingOnCreatedCluster(t, ns, "first")
	second := onPercona(ns, "second", "first-pg")
	second.Spec.Database.Postgres.Percona.User = "dittofs-first" // even the creator's own user
	second = createBound(t, second)
	got := waitFor(t, second, v1alpha1.PhaseStorageReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonDatabaseInUse)
	assert.Contains(t, dbCondition(got).Message, "created by DittoFS first")
	assertNoServer(t, second)
}

// TestCreatorsDeleteKeepsAClusterAnotherDittoFSReferences: with deletionPolicy Delete the creator
// deletes its cluster, except while another DittoFS references it (one sharing it from before the
// refusal, or holding its own user there); then the cluster stays and a Warning event says why.
func TestCreatorsDeleteKeepsAClusterAnotherDittoFSReferences(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	creator := onPercona(ns, "creator", "")
	creator.Spec.Storage.DeletionPolicy = v1alpha1.DeletionPolicyDelete
	creator = createBound(t, creator)
	cluster(t, ns, "creator-pg")
	other := createBound(t, onPercona(ns, "other", "creator-pg"))
	waitFor(t, other, v1alpha1.PhaseStorageReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonDatabaseInUse)

	deleteAndWaitGone(t, creator)
	pg := cluster(t, ns, "creator-pg")
	assert.Nil(t, pg.GetDeletionTimestamp(), "a cluster another DittoFS references must not be deleted")
	assert.Empty(t, pg.GetOwnerReferences())
	assert.NotContains(t, pg.GetAnnotations(), specs.ManagerUIDAnnotation, "released: the deleted DittoFS manages it no more")
	eventually(t, "a Warning event saying the cluster was kept", func() error {
		var list eventsv1.EventList
		if err := k8s.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return err
		}
		var seen []string
		for _, e := range list.Items {
			if e.Regarding.Name == "creator" && e.Reason == v1alpha1.ReasonDatabaseInUse && e.Type == "Warning" &&
				strings.Contains(e.Note, "DittoFS other references it") {
				return nil
			}
			seen = append(seen, e.Regarding.Name+"/"+e.Reason+": "+e.Note)
		}
		return fmt.Errorf("events seen: %v", seen)
	})
}
