package phases

import (
	"context"
	"fmt"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/percona"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// +kubebuilder:rbac:groups=pgv2.percona.com,resources=perconapgclusters,verbs=get;list;watch;create;update;patch;delete

// PerconaClusters is what the PostgreSQL source needs from the Percona adapter
// (*percona.Clusters).
type PerconaClusters interface {
	// Ensure makes the cluster a DittoFS with percona.create owns match its spec; a non-empty
	// string explains why a same-named cluster cannot be used.
	Ensure(ctx context.Context, d *v1alpha1.DittoFS) (percona.Cluster, string, error)
	// Get reads a referenced cluster.
	Get(ctx context.Context, namespace, name string) (percona.Cluster, bool, error)
}

// fromPercona uses a PerconaPGCluster the DittoFS creates or references. It is usable when the
// Percona operator reports it ready with at least one instance and the user's Secret holds the
// connection.
func (p Postgres) fromPercona(ctx context.Context, s *Scope) (Outcome, error) {
	d := s.DittoFS
	name := specs.PerconaClusterName(d)
	if p.Percona == nil {
		return Waiting(ReasonPerconaCRDMissing, fmt.Sprintf(
			"PerconaPGCluster %s cannot be used: the PerconaPGCluster CRD (%s) was not installed when this operator started. Install the Percona Operator for PostgreSQL 2.9.0 or later and restart the DittoFS operator, or use database.postgres.secretRef.",
			name, percona.GVK.GroupVersion())), nil
	}
	var (
		cluster percona.Cluster
		err     error
	)
	if d.Spec.Database.Postgres.Percona.Create {
		var conflict string
		cluster, conflict, err = p.Percona.Ensure(ctx, d)
		if err != nil {
			return Outcome{}, err
		}
		if conflict != "" {
			return Waiting(ReasonClusterConflict, conflict), nil
		}
	} else {
		var found bool
		cluster, found, err = p.Percona.Get(ctx, d.Namespace, name)
		if err != nil {
			return Outcome{}, err
		}
		if !found {
			return withDeadline(s, d.CreationTimestamp.Time, Waiting(ReasonClusterNotFound, fmt.Sprintf(
				"PerconaPGCluster %s (database.postgres.percona.clusterRef) does not exist in namespace %s.", name, d.Namespace))), nil
		}
	}

	origin := later(d.CreationTimestamp.Time, cluster.Created)
	user := specs.PerconaUser(d)
	secret, problem := cluster.UserSecret(user)
	if problem != "" {
		return Waiting(ReasonUserNotDeclared, problem), nil
	}
	if !cluster.Usable() {
		return withDeadline(s, origin, clusterNotUsable(d, cluster)), nil
	}
	out, _, err := connect(ctx, s, secret, "written by the Percona operator for user "+user)
	if err != nil {
		return Outcome{}, err
	}
	if out.Done {
		out = Done(ReasonPerconaReady, fmt.Sprintf("PerconaPGCluster %s is ready; the server connects to its primary as user %s with Secret %s.",
			name, user, secret))
	}
	return withDeadline(s, origin, out), nil
}

// clusterNotUsable says what the Percona operator has reported so far.
func clusterNotUsable(d *v1alpha1.DittoFS, c percona.Cluster) Outcome {
	switch c.State {
	case "":
		return Waiting(ReasonClusterInitializing, fmt.Sprintf(
			"PerconaPGCluster %s has no status yet: no Percona operator has taken it up. Check that the Percona Operator for PostgreSQL (2.9.0 or later) runs and watches namespace %s, and its log for this cluster.",
			c.Name, d.Namespace))
	case percona.StateInitializing, percona.StateReady:
		return Waiting(ReasonClusterInitializing, fmt.Sprintf("PerconaPGCluster %s is %s, %d of %d PostgreSQL instances ready; waiting for state ready with at least one instance.",
			c.Name, c.State, c.Ready, c.Size))
	}
	return Waiting(ReasonClusterNotReady, fmt.Sprintf("PerconaPGCluster %s is %s (%d of %d PostgreSQL instances ready); it serves again once its state is ready.",
		c.Name, c.State, c.Ready, c.Size))
}
