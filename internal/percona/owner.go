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

// A created cluster holds the server's control plane, so, like the claims and the generated
// Secrets, it carries no owner reference: the garbage collector (a foreground delete of the
// DittoFS, a stripped finalizer) could then delete it whatever spec.storage.deletionPolicy says.
// Only the finalizer deletes it, under Delete. What makes it this DittoFS's instead:
//   - the instance and managed-by labels: made for a DittoFS of this name, so a DittoFS recreated
//     under the same name adopts it, and a same-named cluster made by someone else is refused;
//   - the ManagerUIDAnnotation: the DittoFS that last ensured it, so deletion never takes a
//     cluster that an earlier DittoFS of the same name made and this one never used.

// notOwnedBy explains why a live cluster is not this DittoFS's to manage, or returns "".
func notOwnedBy(d *v1alpha1.DittoFS, live *pgv2.PerconaPGCluster) string {
	if !specs.LabelledFor(d, live.Labels) {
		return fmt.Sprintf("PerconaPGCluster %s exists and was not created for this DittoFS; reference it with database.postgres.percona.clusterRef, or rename or delete it.", live.Name)
	}
	if ref := metav1.GetControllerOf(live); ref != nil && ref.UID != d.UID {
		return fmt.Sprintf("PerconaPGCluster %s is controlled by %s %s (uid %s); it cannot be adopted while that owner is set.", live.Name, ref.Kind, ref.Name, ref.UID)
	}
	return ""
}

// managedBy reports whether the DittoFS is the one that manages the live cluster: it is
// labelled for it and either names its UID or, made by an operator version that set owner
// references, has it as controller.
func managedBy(d *v1alpha1.DittoFS, live *pgv2.PerconaPGCluster) bool {
	if !specs.LabelledFor(d, live.Labels) {
		return false
	}
	if live.Annotations[specs.ManagerUIDAnnotation] == string(d.UID) {
		return true
	}
	ref := metav1.GetControllerOf(live)
	return ref != nil && ref.UID == d.UID
}

// dropOwnerReference removes the DittoFS's owner reference, which operator versions before this
// rule set on the clusters they created; until it is gone the garbage collector can still take
// the cluster. It changes nothing when there is none. The optimistic lock makes a concurrent
// change fail the patch (and the reconcile retry) rather than be overwritten.
func (c *Clusters) dropOwnerReference(ctx context.Context, d *v1alpha1.DittoFS, live *pgv2.PerconaPGCluster) error {
	var kept []metav1.OwnerReference
	for _, ref := range live.OwnerReferences {
		if ref.UID != d.UID {
			kept = append(kept, ref)
		}
	}
	if len(kept) == len(live.OwnerReferences) {
		return nil
	}
	patch := client.MergeFromWithOptions(live.DeepCopy(), client.MergeFromWithOptimisticLock{})
	live.OwnerReferences = kept
	if err := c.Client.Patch(ctx, live, patch); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("remove the owner reference of PerconaPGCluster %s: %w", live.Name, err)
	}
	return nil
}

// release lets the cluster go as its DittoFS goes and it stays: no owner reference of the
// DittoFS, and no ManagerUIDAnnotation, so nothing says this (deleted) DittoFS manages it any
// more (the admin Secret's fate reads that, see Outlives) until a DittoFS of the same name adopts
// it. The optimistic lock makes a concurrent change fail the patch and the finalizer retry.
func (c *Clusters) release(ctx context.Context, d *v1alpha1.DittoFS, live *pgv2.PerconaPGCluster) error {
	patch := client.MergeFromWithOptions(live.DeepCopy(), client.MergeFromWithOptimisticLock{})
	var kept []metav1.OwnerReference
	for _, ref := range live.OwnerReferences {
		if ref.UID != d.UID {
			kept = append(kept, ref)
		}
	}
	changed := len(kept) != len(live.OwnerReferences)
	live.OwnerReferences = kept
	if live.Annotations[specs.ManagerUIDAnnotation] == string(d.UID) {
		delete(live.Annotations, specs.ManagerUIDAnnotation)
		changed = true
	}
	if !changed {
		return nil
	}
	if err := c.Client.Patch(ctx, live, patch); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("release PerconaPGCluster %s: %w", live.Name, err)
	}
	return nil
}
