package percona

import (
	"context"
	"fmt"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	pgv2 "github.com/percona/percona-postgresql-operator/v2/pkg/apis/pgv2.percona.com/v2"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// Finalize applies the storage deletion policy to the cluster a DittoFS created, as the DittoFS
// goes: Retain keeps it (it has no owner reference, so the garbage collector leaves it and its
// data; it is released, see release; a DittoFS of the same name adopts it again), Delete deletes
// it, unless another DittoFS references it: then it is kept and released, and kept says why (for
// an event). A referenced cluster, or one this DittoFS does not
// manage (see managedBy), is never touched. It looks at what the DittoFS manages, not at its
// current spec, so a created cluster is handled even when the spec has since moved to another
// database.
func (c *Clusters) Finalize(ctx context.Context, d *v1alpha1.DittoFS) (kept string, err error) {
	live := &pgv2.PerconaPGCluster{}
	err = c.Client.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: specs.CreatedPerconaClusterName(d)}, live)
	if err != nil {
		return "", client.IgnoreNotFound(err)
	}
	if !managedBy(d, live) {
		return "", nil
	}
	if d.Spec.Storage.DeletionPolicy != v1alpha1.DeletionPolicyDelete {
		return "", c.release(ctx, d, live)
	}
	users, err := c.otherUsers(ctx, d, live.Name)
	if err != nil {
		return "", err
	}
	if len(users) > 0 {
		return fmt.Sprintf("PerconaPGCluster %s is kept although deletionPolicy is Delete: DittoFS %s references it (database.postgres.percona.clusterRef). Delete it by hand once nothing uses it.",
			live.Name, strings.Join(users, ", ")), c.release(ctx, d, live)
	}
	err = c.Client.Delete(ctx, live, client.Preconditions{UID: &live.UID})
	if err != nil && !apierrors.IsNotFound(err) {
		return "", fmt.Errorf("delete PerconaPGCluster %s: %w", live.Name, err)
	}
	return "", nil
}

// otherUsers names the other DittoFS of the namespace that use the cluster. They are refused
// (DatabaseInUse) while its creator exists, but one may have used it before that rule, or hold
// its own user there: its database is not this DittoFS's to drop.
func (c *Clusters) otherUsers(ctx context.Context, d *v1alpha1.DittoFS, cluster string) ([]string, error) {
	var list v1alpha1.DittoFSList
	if err := c.Client.List(ctx, &list, client.InNamespace(d.Namespace)); err != nil {
		return nil, fmt.Errorf("list the DittoFS objects that may use PerconaPGCluster %s: %w", cluster, err)
	}
	var users []string
	for i := range list.Items {
		other := &list.Items[i]
		if other.UID != d.UID && specs.PerconaClusterName(other) == cluster {
			users = append(users, other.Name)
		}
	}
	sort.Strings(users)
	return users, nil
}
