package percona

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	pgv2 "github.com/percona/percona-postgresql-operator/v2/pkg/apis/pgv2.percona.com/v2"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// Outlives reports whether the cluster named for d's created database stays when d is deleted
// under deletionPolicy Delete: it exists and d does not manage it, so Finalize leaves it. The
// server's admin user lives in that database, so its Secret must then stay too.
func (c *Clusters) Outlives(ctx context.Context, d *v1alpha1.DittoFS) (bool, error) {
	live := &pgv2.PerconaPGCluster{}
	err := c.Client.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: specs.CreatedPerconaClusterName(d)}, live)
	if err != nil {
		if client.IgnoreNotFound(err) == nil {
			return false, nil
		}
		return false, fmt.Errorf("get PerconaPGCluster %s: %w", specs.CreatedPerconaClusterName(d), err)
	}
	return !managedBy(d, live), nil
}
