package phases

import (
	"context"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// DatabaseSource provides one kind of control-plane database: it reports whether the database is
// usable and, when it is, how the server connects to it (Scope.DatabaseEnv).
type DatabaseSource interface {
	Reconcile(ctx context.Context, s *Scope) (Outcome, error)
}

var _ MainStep = Database{}

// Database is done when the server's control-plane database is usable.
type Database struct {
	// Postgres provides PostgreSQL databases; nil when the operator was built without them.
	Postgres DatabaseSource
}

// Condition is the condition type this step sets.
func (Database) Condition() string { return v1alpha1.ConditionDatabaseReady }

// Phase is the phase reached when this step is done.
func (Database) Phase() v1alpha1.Phase { return v1alpha1.PhaseDatabaseReady }

// Reconcile reports whether the control-plane database is usable; see Step.
func (db Database) Reconcile(ctx context.Context, s *Scope) (Outcome, error) {
	d := s.DittoFS
	if d.Spec.Database.Type != v1alpha1.DatabasePostgres {
		return Done(v1alpha1.ReasonSQLite, "The control plane uses SQLite on volume "+specs.ClaimName(d, specs.VolumeControlPlane)+"."), nil
	}
	if db.Postgres == nil {
		return Outcome{}, Block(v1alpha1.ReasonPostgresUnavailable, "This operator build cannot provide PostgreSQL; use database.type sqlite.")
	}
	return db.Postgres.Reconcile(ctx, s)
}
