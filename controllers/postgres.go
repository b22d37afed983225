package controllers

import (
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/dittofs/dittofs-operator/internal/percona"
	"github.com/dittofs/dittofs-operator/phases"
)

// postgresSource asks the API server once, at start, whether it serves PerconaPGClusters, and
// returns the PostgreSQL source for the pipeline and the Percona adapter for the reconciler
// (nil without the CRD). Without the CRD the operator still runs: SQLite and secretRef work, and
// a DittoFS asking for a Percona cluster is told PerconaCRDMissing. A CRD installed later is
// picked up at the next start, because watches are set up once.
func postgresSource(mgr ctrl.Manager) (phases.Postgres, *percona.Clusters, error) {
	installed, err := percona.Installed(mgr.GetRESTMapper())
	if err != nil || !installed {
		return phases.Postgres{}, nil, err
	}
	clusters := &percona.Clusters{Client: mgr.GetClient()}
	return phases.Postgres{Percona: clusters}, clusters, nil
}
