package percona

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	pgv2 "github.com/percona/percona-postgresql-operator/v2/pkg/apis/pgv2.percona.com/v2"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// Finalize applies the storage deletion policy to the cluster a DittoFS created, as the DittoFS
// goes: Retain orphans it (drops the owner reference, so the garbage collector leaves it and its
// data; a DittoFS of the same name adopts it again), Delete deletes it. A referenced cluster, or
// one this DittoFS does not control, is never touched. It looks at what the DittoFS controls, not
// at its current spec, so a created cluster is kept even when the spec has since moved to another
// database.
func (c *Clusters) Finalize(ctx context.Context, d *v1alpha1.DittoFS) error {
	live := &pgv2.PerconaPGCluster{}
	err := c.Client.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: specs.CreatedPerconaClusterName(d)}, live)
	if err != nil {
		return client.IgnoreNotFound(err)
	}
	if ref := metav1.GetControllerOf(live); ref == nil || ref.UID != d.UID {
		return nil
	}
	if d.Spec.Storage.DeletionPolicy == v1alpha1.DeletionPolicyDelete {
		err := c.Client.Delete(ctx, live, client.Preconditions{UID: &live.UID})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete PerconaPGCluster %s: %w", live.Name, err)
		}
		return nil
	}
	return c.orphan(ctx, d, live)
}

// orphan removes the DittoFS's owner reference. The optimistic lock makes a concurrent change
// fail the patch (and the finalizer retry) rather than be overwritten.
func (c *Clusters) orphan(ctx context.Context, d *v1alpha1.DittoFS, live *pgv2.PerconaPGCluster) error {
	patch := client.MergeFromWithOptions(live.DeepCopy(), client.MergeFromWithOptimisticLock{})
	var kept []metav1.OwnerReference
	for _, ref := range live.OwnerReferences {
		if ref.UID != d.UID {
			kept = append(kept, ref)
		}
	}
	live.OwnerReferences = kept
	if err := c.Client.Patch(ctx, live, patch); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("orphan PerconaPGCluster %s: %w", live.Name, err)
	}
	return nil
}
