package percona

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	pgv2 "github.com/percona/percona-postgresql-operator/v2/pkg/apis/pgv2.percona.com/v2"
)

// GVK is the kind the adapter manages.
var GVK = pgv2.GroupVersion.WithKind("PerconaPGCluster")

// AddToScheme registers the Percona types. Registering them needs no CRD in the cluster.
func AddToScheme(s *runtime.Scheme) error { return pgv2.AddToScheme(s) }

// NewObject is an empty PerconaPGCluster, for watches.
func NewObject() client.Object { return &pgv2.PerconaPGCluster{} }

// Installed reports whether the API server serves PerconaPGClusters. The operator asks once at
// start: a watch on a kind the server does not know would fail the manager, and a typed read of
// it would fail every reconcile.
func Installed(mapper meta.RESTMapper) (bool, error) {
	_, err := mapper.RESTMapping(schema.GroupKind{Group: GVK.Group, Kind: GVK.Kind}, GVK.Version)
	switch {
	case err == nil:
		return true, nil
	case meta.IsNoMatchError(err):
		return false, nil
	default:
		return false, fmt.Errorf("look up %s: %w", GVK, err)
	}
}
