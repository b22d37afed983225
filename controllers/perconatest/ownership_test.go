package perconatest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// The created cluster holds the control plane, so the garbage collector must never be able to
// delete it: no owner reference, only labels and the DittoFS's UID (internal/percona/owner.go).
// e2e/gc proves it against a real garbage collector.

// TestCreatedClusterCarriesNoOwnerReference: the cluster is created without one.
func TestCreatedClusterCarriesNoOwnerReference(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	d := createBound(t, onPercona(ns, "media", ""))
	pg := cluster(t, ns, "media-pg")
	assert.Empty(t, pg.GetOwnerReferences(), "an owner reference lets a foreground delete of the DittoFS take the database under Retain")
	assert.Empty(t, managedBy(pg, d))
}

// TestOwnerReferenceOfAnOlderOperatorIsRemoved: a cluster created by an operator version that set
// a controller reference loses it at the next reconcile, and is otherwise used as before.
func TestOwnerReferenceOfAnOlderOperatorIsRemoved(t *testing.T) {
	ns := newNamespace(t)
	d := onPercona(ns, "old", "")
	require.NoError(t, k8s.Create(ctx, d))
	d = get(t, ns, "old")
	legacy := newCluster(t, ns, "old-pg", "dittofs")
	legacy.SetLabels(specs.Labels(d))
	legacy.SetOwnerReferences([]metav1.OwnerReference{{
		APIVersion: v1alpha1.GroupVersion.String(), Kind: "DittoFS", Name: d.Name, UID: d.UID,
		Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
	}})
	require.NoError(t, k8s.Create(ctx, legacy))

	startOperator(t, ns)
	bindClaims(t, d)
	eventually(t, "the owner reference to be removed", func() error {
		if why := managedBy(cluster(t, ns, "old-pg"), d); why != "" {
			return fmt.Errorf("PerconaPGCluster old-pg: %s", why)
		}
		return nil
	})
	setClusterStatus(t, ns, "old-pg", "ready", 1, 1)
	require.NoError(t, k8s.Create(ctx, userSecret(ns, "old-pg", "dittofs", "pw")))
	waitFor(t, d, v1alpha1.PhaseConfigReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonPerconaReady)
}
