package phases

import (
	"context"
	"fmt"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/percona"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// +kubebuilder:rbac:groups=pgv2.percona.com,resources=perconapgclusters,verbs=list;watch;create;patch;delete

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
		return Outcome{}, Block(v1alpha1.ReasonPerconaCRDMissing,
			"PerconaPGCluster %s cannot be used: the PerconaPGCluster CRD (%s) was not installed when this operator started. Install the Percona Operator for PostgreSQL 2.9.0 or later and restart the DittoFS operator, or use database.postgres.secretRef.",
			name, percona.GVK.GroupVersion())
	}
	var (
		cluster percona.Cluster
		err     error
	)
	user := specs.PerconaUser(d)
	if d.Spec.Database.Postgres.Percona.Create {
		var conflict string
		cluster, conflict, err = p.Percona.Ensure(ctx, d)
		if err != nil {
			return Outcome{}, err
		}
		if conflict != "" {
			return Outcome{}, Block(v1alpha1.ReasonClusterConflict, "%s", conflict)
		}
		user = cluster.User // a kept cluster may keep the user it had (see percona.userFor)
	} else {
		var found bool
		cluster, found, err = p.Percona.Get(ctx, d.Namespace, name)
		if err != nil {
			return Outcome{}, err
		}
		if !found {
			return Outcome{}, withDeadline(s, d.CreationTimestamp.Time, Block(v1alpha1.ReasonClusterNotFound,
				"PerconaPGCluster %s (database.postgres.percona.clusterRef) does not exist in namespace %s.", name, d.Namespace))
		}
		if err := notAnotherDittoFSs(d, cluster); err != nil {
			return Outcome{}, err
		}
	}

	origin := later(d.CreationTimestamp.Time, cluster.Created)
	secret, problem := cluster.UserSecret(user)
	if problem != "" {
		return Outcome{}, Block(v1alpha1.ReasonUserNotDeclared, "%s", problem)
	}
	if !cluster.Usable() {
		return Outcome{}, withDeadline(s, origin, clusterNotUsable(d, cluster))
	}
	_, err = connect(ctx, s, secret, "written by the Percona operator for user "+user)
	if err = withDeadline(s, origin, err); err != nil {
		return Outcome{}, err
	}
	return Done(v1alpha1.ReasonPerconaReady, fmt.Sprintf("PerconaPGCluster %s is ready; the server connects to its primary as user %s with Secret %s.",
		name, user, secret)), nil
}

// notAnotherDittoFSs refuses a referenced cluster that the operator created for another DittoFS:
// that cluster holds the other server's control plane, with its user and database, and goes
// when that DittoFS goes with deletionPolicy Delete. A cluster made for a DittoFS of this name
// (kept by Retain, then referenced) is this DittoFS's own.
func notAnotherDittoFSs(d *v1alpha1.DittoFS, c percona.Cluster) error {
	if c.CreatedFor == "" || c.CreatedFor == d.Name {
		return nil
	}
	return Block(v1alpha1.ReasonDatabaseInUse,
		"PerconaPGCluster %s (database.postgres.percona.clusterRef) was created by DittoFS %s for its own control plane; two servers must not share one, and that DittoFS's deletionPolicy decides the cluster's fate. Give this DittoFS its own database: percona.create, a PerconaPGCluster you manage, or secretRef.",
		c.Name, c.CreatedFor)
}

// clusterNotUsable says what the Percona operator has reported so far.
func clusterNotUsable(d *v1alpha1.DittoFS, c percona.Cluster) error {
	switch c.State {
	case "":
		return Block(v1alpha1.ReasonClusterInitializing,
			"PerconaPGCluster %s has no status yet: no Percona operator has taken it up. Check that the Percona Operator for PostgreSQL (2.9.0 or later) runs and watches namespace %s, and its log for this cluster.",
			c.Name, d.Namespace)
	case percona.StateInitializing, percona.StateReady:
		return Block(v1alpha1.ReasonClusterInitializing, "PerconaPGCluster %s is %s, %d of %d PostgreSQL instances ready; waiting for state ready with at least one instance.",
			c.Name, c.State, c.Ready, c.Size)
	}
	return Block(v1alpha1.ReasonClusterNotReady, "PerconaPGCluster %s is %s (%d of %d PostgreSQL instances ready); it serves again once its state is ready.",
		c.Name, c.State, c.Ready, c.Size)
}
