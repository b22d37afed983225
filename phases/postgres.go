package phases

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/internal/specs"
)

// Reasons of DatabaseReady for PostgreSQL. The waiting ones become DatabaseTimeout once
// database.readyTimeout has passed; the configuration problems are reported as they are.
const (
	ReasonPerconaCRDMissing   = "PerconaCRDMissing"
	ReasonClusterNotFound     = "ClusterNotFound"
	ReasonClusterConflict     = "ClusterConflict"
	ReasonUserNotDeclared     = "UserNotDeclared"
	ReasonClusterInitializing = "ClusterInitializing"
	ReasonClusterNotReady     = "ClusterNotReady"
	ReasonSecretMissing       = "SecretMissing"
	ReasonSecretMissingKey    = "SecretMissingKey"
	ReasonSecretInvalid       = "SecretInvalid"
	ReasonDatabaseTimeout     = "DatabaseTimeout"
	ReasonPerconaReady        = "PerconaClusterReady"
	ReasonExternalReady       = "ExternalPostgresReady"
)

// Postgres provides PostgreSQL from a user Secret (any server) or from a PerconaPGCluster. When
// the database is usable it sets Scope.DatabaseEnv (secretKeyRefs to the Secret) and
// Scope.DatabaseSecretData (what the pod reads from it, hashed into the pod template).
type Postgres struct {
	// Percona manages PerconaPGClusters; nil when their CRD is not installed.
	Percona PerconaClusters
}

func (p Postgres) Reconcile(ctx context.Context, s *Scope) (Outcome, error) {
	pg := s.DittoFS.Spec.Database.Postgres
	switch {
	case pg == nil: // the CRD's rules prevent it; an object written around them is told so
		return Waiting("PostgresNotConfigured", "database.type is postgres but database.postgres is empty; name a percona cluster or a secretRef."), nil
	case pg.SecretRef != nil:
		return p.fromSecret(ctx, s)
	}
	return p.fromPercona(ctx, s)
}

// fromSecret uses any PostgreSQL server described by the Secret the user names.
func (Postgres) fromSecret(ctx context.Context, s *Scope) (Outcome, error) {
	d := s.DittoFS
	name := specs.PostgresSecretName(d)
	out, created, err := connect(ctx, s, name, "named by database.postgres.secretRef")
	if err != nil {
		return Outcome{}, err
	}
	if out.Done {
		out = Done(ReasonExternalReady, fmt.Sprintf("The server connects to PostgreSQL with the connection in Secret %s.", name))
	}
	return withDeadline(s, later(d.CreationTimestamp.Time, created), out), nil
}

// connect reads the connection Secret and, when every required key is there, wires it into the
// pod. It returns the Secret's creation time (zero when it is missing) for the deadline.
func connect(ctx context.Context, s *Scope, name, what string) (Outcome, time.Time, error) {
	secret := &corev1.Secret{}
	err := s.Client.Get(ctx, client.ObjectKey{Namespace: s.DittoFS.Namespace, Name: name}, secret)
	switch {
	case apierrors.IsNotFound(err):
		return Waiting(ReasonSecretMissing, fmt.Sprintf("Secret %s (%s) does not exist yet; it must hold the keys %s.",
			name, what, strings.Join(specs.RequiredPostgresKeys, ", "))), time.Time{}, nil
	case err != nil:
		return Outcome{}, time.Time{}, fmt.Errorf("get Secret %s: %w", name, err)
	}
	created := secret.CreationTimestamp.Time
	if missing := specs.MissingPostgresKeys(secret.Data); len(missing) > 0 {
		return Waiting(ReasonSecretMissingKey, fmt.Sprintf("Secret %s (%s) has no value for key %s.",
			name, what, strings.Join(quoted(missing), ", "))), created, nil
	}
	if port, err := strconv.Atoi(string(secret.Data[specs.PostgresPortKey])); err != nil || port < 1 || port > 65535 {
		return Waiting(ReasonSecretInvalid, fmt.Sprintf("Secret %s (%s): key %q must be a port number.",
			name, what, specs.PostgresPortKey)), created, nil
	}
	s.DatabaseEnv = specs.PostgresEnv(name, secret.Data)
	s.DatabaseSecretData = specs.PostgresConsumedData(secret.Data)
	return Done("", ""), created, nil
}

func quoted(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = strconv.Quote(k)
	}
	return out
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
