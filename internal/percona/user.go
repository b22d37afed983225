package percona

import (
	pgv2 "github.com/percona/percona-postgresql-operator/v2/pkg/apis/pgv2.percona.com/v2"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// userFor is the PostgreSQL user (and database) the created cluster gives the DittoFS: the
// spec's, else the per-DittoFS default, except for a cluster that already declares the legacy
// default user (dittofs) and not the per-DittoFS one. Such a cluster was made for a DittoFS of
// this name before the default was per DittoFS and kept (Retain): its dittofs database holds
// that server's control plane, and the DittoFS recreated over it must find it, not start on an
// empty database. (DittoFS objects of that time carry user dittofs in their spec, so they never
// get here.) live is nil when the cluster does not exist yet.
func userFor(d *v1alpha1.DittoFS, live *pgv2.PerconaPGCluster) string {
	if pc := d.Spec.Database.Postgres.Percona; pc.User != "" || live == nil {
		return specs.PerconaUser(d)
	}
	declared := map[string]bool{}
	for _, u := range live.Spec.Users {
		declared[string(u.Name)] = true
	}
	if declared[specs.LegacyPerconaUser] && !declared[specs.DefaultPerconaUser(d)] {
		return specs.LegacyPerconaUser
	}
	return specs.DefaultPerconaUser(d)
}
