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

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// Postgres provides PostgreSQL from a user Secret (any server) or from a PerconaPGCluster. When
// the database is usable it sets Scope.DatabaseEnv (secretKeyRefs to the Secret) and
// Scope.DatabaseSecretData (what the pod reads from it, hashed into the pod template).
type Postgres struct {
	// Percona manages PerconaPGClusters; nil when their CRD is not installed.
	Percona PerconaClusters
}

// Reconcile reports whether the PostgreSQL database is usable; see DatabaseSource.
func (p Postgres) Reconcile(ctx context.Context, s *Scope) (Outcome, error) {
	pg := s.DittoFS.Spec.Database.Postgres
	switch {
	case pg == nil: // the CRD's rules prevent it; an object written around them is told so
		return Outcome{}, Block(v1alpha1.ReasonPostgresNotConfigured, "database.type is postgres but database.postgres is empty; name a percona cluster or a secretRef.")
	case pg.SecretRef != nil:
		return p.fromSecret(ctx, s)
	}
	return p.fromPercona(ctx, s)
}

// fromSecret uses any PostgreSQL server described by the Secret the user names.
func (Postgres) fromSecret(ctx context.Context, s *Scope) (Outcome, error) {
	d := s.DittoFS
	name := specs.PostgresSecretName(d)
	created, err := connect(ctx, s, name, "named by database.postgres.secretRef")
	if err = withDeadline(s, later(d.CreationTimestamp.Time, created), err); err != nil {
		return Outcome{}, err
	}
	return Done(v1alpha1.ReasonExternalReady, fmt.Sprintf("The server connects to PostgreSQL with the connection in Secret %s.", name)), nil
}

// connect reads the connection Secret and, when every required key is there, wires it into the
// pod. It returns the Secret's creation time (zero when it is missing) for the deadline.
func connect(ctx context.Context, s *Scope, name, what string) (time.Time, error) {
	secret := &corev1.Secret{}
	err := s.Client.Get(ctx, client.ObjectKey{Namespace: s.DittoFS.Namespace, Name: name}, secret)
	switch {
	case apierrors.IsNotFound(err):
		return time.Time{}, Block(v1alpha1.ReasonSecretMissing, "Secret %s (%s) does not exist yet; it must hold the keys %s.",
			name, what, strings.Join(specs.RequiredPostgresKeys, ", "))
	case err != nil:
		return time.Time{}, fmt.Errorf("get Secret %s: %w", name, err)
	}
	created := secret.CreationTimestamp.Time
	if missing := specs.MissingPostgresKeys(secret.Data); len(missing) > 0 {
		return created, Block(v1alpha1.ReasonSecretMissingKey, "Secret %s (%s) has no value for key %s.",
			name, what, strings.Join(quoted(missing), ", "))
	}
	if port, err := strconv.Atoi(string(secret.Data[specs.PostgresPortKey])); err != nil || port < 1 || port > 65535 {
		return created, Block(v1alpha1.ReasonSecretInvalid, "Secret %s (%s): key %q must be a port number.",
			name, what, specs.PostgresPortKey)
	}
	s.DatabaseEnv = specs.PostgresEnv(name, secret.Data)
	s.DatabaseSecretData = specs.PostgresConsumedData(secret.Data)
	return created, nil
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
