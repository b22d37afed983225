package perconatest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
	"github.com/dittofs/dittofs-operator/internal/testenv"
)

// TestCreatedClusterFromWaitingToServing: the operator creates a PerconaPGCluster that Percona's
// own CRD accepts, says at each step what it waits for while the phase stays at StorageReady,
// and only then starts a server wired to the Percona user Secret; rotating that Secret's password
// rolls the pod, and a key the pod does not read does not.
func TestCreatedClusterFromWaitingToServing(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	d := onPercona(ns, "media", "")
	d.Spec.Database.Postgres.Percona.StorageSize = resource.MustParse("5Gi")
	d = createBound(t, d)

	pg := cluster(t, ns, "media-pg")
	assert.Empty(t, managedBy(pg, d), "the created cluster is this DittoFS's by labels and UID, without an owner reference")
	assert.Equal(t, "dittofs-operator", pg.GetLabels()[specs.ManagedByLabel])
	assert.Equal(t, "2.9.0", str(pg, "spec", "crVersion"), "crVersion is explicit")
	assert.Equal(t, "16", str(pg, "spec", "postgresVersion"))
	for _, path := range [][]string{{"spec", "image"}, {"spec", "backups", "pgbackrest", "image"}} {
		image := str(pg, path...)
		assert.Regexp(t, `:[0-9][0-9.]*-[0-9]+$`, image, "pinned: %s", strings.Join(path, "."))
		assert.NotContains(t, image, "latest")
	}
	assert.Contains(t, str(pg, "spec", "image"), ":16.")
	assert.Equal(t, "false", str(pg, "spec", "backups", "enabled"))
	assert.Empty(t, str(pg, "spec", "proxy"), "no pgBouncer: the server connects to the primary")
	set := instanceSet(t, pg, "instance1")
	assert.Equal(t, "1", str(set, "replicas"))
	assert.Equal(t, "5Gi", str(set, "dataVolumeClaimSpec", "resources", "requests", "storage"))
	users, _, _ := unstructured.NestedSlice(pg.Object, "spec", "users")
	require.Len(t, users, 1, "exactly one user for DittoFS")
	assert.Equal(t, map[string]any{"name": "dittofs-media", "databases": []any{"dittofs-media"}, "password": map[string]any{"type": "AlphaNumeric"}}, users[0],
		"one user and database per DittoFS")

	got := waitFor(t, d, v1alpha1.PhaseStorageReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonClusterInitializing)
	assert.Contains(t, dbCondition(got).Message, "no status yet")

	setClusterStatus(t, ns, "media-pg", "initializing", 1, 0)
	waitForDatabase(t, d, v1alpha1.ReasonClusterInitializing, "is initializing, 0 of 1")

	// Ready with no instance is not usable.
	setClusterStatus(t, ns, "media-pg", "ready", 0, 0)
	waitForDatabase(t, d, v1alpha1.ReasonClusterInitializing, "is ready, 0 of 0")

	setClusterStatus(t, ns, "media-pg", "ready", 1, 1)
	got = waitFor(t, d, v1alpha1.PhaseStorageReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonSecretMissing)
	assert.Contains(t, dbCondition(got).Message, "media-pg-pguser-dittofs-media")

	secret := userSecret(ns, "media-pg", "dittofs-media", "Pass1word", "password")
	require.NoError(t, k8s.Create(ctx, secret))
	got = waitFor(t, d, v1alpha1.PhaseStorageReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonSecretMissingKey)
	assert.Contains(t, dbCondition(got).Message, `"password"`)
	assertNoServer(t, d)

	secret.Data["password"] = []byte("Pass1word")
	require.NoError(t, k8s.Update(ctx, secret))
	got = waitFor(t, d, v1alpha1.PhaseConfigReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonPerconaReady)
	assert.Equal(t, metav1.ConditionTrue, dbCondition(got).Status)

	assertEnvWiredTo(t, d, "media-pg-pguser-dittofs-media")
	cm := &corev1.ConfigMap{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: specs.ConfigMapName(d)}, cm))
	assert.Contains(t, cm.Data[specs.ConfigFileName], "sslmode: require", "Percona accepts TLS only")
	assert.NotContains(t, cm.Data[specs.ConfigFileName], "Pass1word")

	setPodReady(t, d)
	waitFor(t, d, v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	first := configHash(t, d)

	// The Percona operator rewrites keys the pod does not read: no roll.
	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(secret), secret))
	secret.Data["jdbc-uri"] = []byte("jdbc:postgresql://elsewhere:5432/dittofs")
	require.NoError(t, k8s.Update(ctx, secret))
	settle(t)
	assert.Equal(t, first, configHash(t, d), "a key the pod does not read must not roll it")

	// A rotated password rolls the pod.
	rotated := userSecret(ns, "media-pg", "dittofs-media", "Pass2word")
	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(secret), secret))
	secret.Data = rotated.Data
	require.NoError(t, k8s.Update(ctx, secret))
	eventually(t, "a new config hash on the pod template after the password rotation", func() error {
		if h := configHash(t, d); h == first {
			return fmt.Errorf("hash still %s", h)
		}
		return nil
	})
	// The template is written mid-reconcile, status at its end: wait for the status to catch up.
	eventually(t, "status.configHash of the rotated password", func() error {
		want, got := configHash(t, d), get(t, ns, "media").Status.ConfigHash
		if got != want {
			return fmt.Errorf("status.configHash %s, the pod template has %s", got, want)
		}
		return nil
	})
}

// TestPerconaTimeoutCountsFromTheCluster: a cluster the Percona operator never takes up is
// reported as DatabaseTimeout after readyTimeout, counted from the cluster's creation, with what
// is missing; the phase stays at StorageReady and the operator keeps waiting.
func TestPerconaTimeoutCountsFromTheCluster(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	d := onPercona(ns, "slow", "")
	d.Spec.Database.ReadyTimeout = &metav1.Duration{Duration: 2 * time.Second}
	d = createBound(t, d)

	got := waitFor(t, d, v1alpha1.PhaseStorageReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonDatabaseTimeout)
	pg := cluster(t, ns, "slow-pg")
	msg := dbCondition(got).Message
	assert.Contains(t, msg, pg.GetCreationTimestamp().UTC().Format(time.RFC3339))
	assert.Contains(t, msg, "no status yet", "the timeout still says what is missing")

	setClusterStatus(t, ns, "slow-pg", "ready", 1, 1)
	require.NoError(t, k8s.Create(ctx, userSecret(ns, "slow-pg", "dittofs-slow", "pw")))
	waitFor(t, d, v1alpha1.PhaseConfigReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonPerconaReady)
}

// TestConvergedPerconaDittoFSCostsNoWrites: once serving, reconciles caused by the DittoFS, the
// cluster's status and the user Secret write nothing.
func TestConvergedPerconaDittoFSCostsNoWrites(t *testing.T) {
	ns := newNamespace(t)
	op := startOperator(t, ns)
	d := servingOnCreatedCluster(t, ns, "steady")
	settle(t)

	writes, rv := op.writes.Load(), cluster(t, ns, "steady-pg").GetResourceVersion()
	poke(t, d, 3)
	setClusterStatus(t, ns, "steady-pg", "ready", 1, 1) // a status write with nothing new
	settle(t)
	assert.Equal(t, int64(0), op.writes.Load()-writes, "a converged DittoFS on Percona must cost zero writes")
	pg := cluster(t, ns, "steady-pg")
	assert.Equal(t, rv, pg.GetResourceVersion(), "the operator must not write the cluster on every reconcile")
}

// waitForDatabase waits, at StorageReady, for DatabaseReady to have reason and a message
// containing text.
func waitForDatabase(t *testing.T, d *v1alpha1.DittoFS, reason, text string) {
	t.Helper()
	eventually(t, fmt.Sprintf("DatabaseReady %s saying %q", reason, text), func() error {
		got := get(t, d.Namespace, d.Name)
		c := dbCondition(got)
		if got.Status.Phase != v1alpha1.PhaseStorageReady || c.Reason != reason || !strings.Contains(c.Message, text) {
			return fmt.Errorf("phase %q, conditions %s", got.Status.Phase, testenv.DescribeConditions(got.Status.Conditions))
		}
		return nil
	})
}

// servingOnCreatedCluster brings a DittoFS on a created cluster to Serving, playing Percona.
func servingOnCreatedCluster(t *testing.T, ns, name string) *v1alpha1.DittoFS {
	t.Helper()
	d := onPercona(ns, name, "")
	require.NoError(t, k8s.Create(ctx, d))
	d = get(t, ns, name)
	bindClaims(t, d)
	cluster(t, ns, name+"-pg")
	setClusterStatus(t, ns, name+"-pg", "ready", 1, 1)
	require.NoError(t, k8s.Create(ctx, userSecret(ns, name+"-pg", "dittofs-"+name, "pw-"+name)))
	waitFor(t, d, v1alpha1.PhaseConfigReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonPerconaReady)
	setPodReady(t, d)
	return waitFor(t, d, v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
}

// assertEnvWiredTo: the pod reads its connection from the Secret, by reference only.
func assertEnvWiredTo(t *testing.T, d *v1alpha1.DittoFS, secret string) {
	t.Helper()
	env := map[string]corev1.EnvVar{}
	for _, e := range statefulSet(t, d).Spec.Template.Spec.Containers[0].Env {
		env[e.Name] = e
	}
	for name, key := range map[string]string{
		"DITTOFS_DATABASE_POSTGRES_HOST": "host", "DITTOFS_DATABASE_POSTGRES_PORT": "port",
		"DITTOFS_DATABASE_POSTGRES_DATABASE": "dbname", "DITTOFS_DATABASE_POSTGRES_USER": "user",
		"DITTOFS_DATABASE_POSTGRES_PASSWORD": "password",
	} {
		e, ok := env[name]
		require.True(t, ok, "env %s missing", name)
		require.NotNil(t, e.ValueFrom, "%s must come from the Secret", name)
		assert.Equal(t, secret, e.ValueFrom.SecretKeyRef.Name, name)
		assert.Equal(t, key, e.ValueFrom.SecretKeyRef.Key, name)
	}
}

// assertNoServer: no pod may start before the database is usable.
func assertNoServer(t *testing.T, d *v1alpha1.DittoFS) {
	t.Helper()
	err := k8s.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: specs.StatefulSetName(d)}, &appsv1.StatefulSet{})
	assert.True(t, apierrors.IsNotFound(err), "StatefulSet %s must not exist before the database is usable (err=%v)", specs.StatefulSetName(d), err)
}
