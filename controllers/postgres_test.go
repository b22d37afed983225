package controllers

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// This API server has no Percona CRD: the operator must start, serve SQLite and secretRef
// DittoFS objects, and tell a DittoFS asking for a Percona cluster what is missing.

func TestPerconaWithoutItsCRDIsReportedAndSQLiteStillServes(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)

	pg := newDittoFS(ns, "pg")
	pg.Spec.Database = v1alpha1.DatabaseSpec{Type: v1alpha1.DatabasePostgres,
		Postgres: &v1alpha1.PostgresSpec{Percona: &v1alpha1.PerconaSpec{Create: true}}}
	require.NoError(t, k8s.Create(ctx, pg))
	bindClaims(t, get(t, ns, "pg"))
	d := waitFor(t, ns, "pg", v1alpha1.PhaseStorageReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonPerconaCRDMissing)
	cond := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionDatabaseReady)
	assert.Equal(t, metav1.ConditionFalse, cond.Status)
	assert.Contains(t, cond.Message, "pgv2.percona.com/v2")
	assert.Contains(t, cond.Message, "restart the DittoFS operator")

	lite := newDittoFS(ns, "lite")
	lite = createBound(t, lite)
	setPodReady(t, lite, true)
	waitFor(t, ns, "lite", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)

	// The Percona DittoFS still has no server: nothing may start before its database is usable.
	assertNoStatefulSet(t, d)
}

// TestExternalPostgresFromSecret walks a secretRef DittoFS through every wait to DatabaseReady,
// checks the pod's connection is wired to the Secret, and that rotating the Secret rolls the pod.
func TestExternalPostgresFromSecret(t *testing.T) {
	ns := newNamespace(t)
	op := startOperator(t, ns)
	d := newDittoFS(ns, "ext")
	d.Spec.Database = v1alpha1.DatabaseSpec{Type: v1alpha1.DatabasePostgres,
		Postgres: &v1alpha1.PostgresSpec{SecretRef: &corev1.LocalObjectReference{Name: "ext-pg"}}}
	require.NoError(t, k8s.Create(ctx, d))
	d = get(t, ns, "ext")
	for _, v := range specs.Volumes(d) {
		assert.NotEqual(t, specs.VolumeControlPlane, v.Role, "no SQLite volume on PostgreSQL")
	}
	bindClaims(t, d)

	got := waitFor(t, ns, "ext", v1alpha1.PhaseStorageReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonSecretMissing)
	assert.Contains(t, dbMessage(got), "ext-pg")
	assertNoStatefulSet(t, d)

	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ext-pg"}, Data: map[string][]byte{
		"host": []byte("db.example"), "port": []byte("5432"), "dbname": []byte("dfs"), "user": []byte("ditto"),
	}}
	require.NoError(t, k8s.Create(ctx, secret))
	got = waitFor(t, ns, "ext", v1alpha1.PhaseStorageReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonSecretMissingKey)
	assert.Contains(t, dbMessage(got), `"password"`)
	assertNoStatefulSet(t, d)

	secret.Data["password"] = []byte("first-password")
	secret.Data["sslmode"] = []byte("disable")
	require.NoError(t, k8s.Update(ctx, secret))
	waitFor(t, ns, "ext", v1alpha1.PhaseConfigReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonExternalReady)

	sts := statefulSet(t, d)
	env := map[string]corev1.EnvVar{}
	for _, e := range sts.Spec.Template.Spec.Containers[0].Env {
		env[e.Name] = e
	}
	for name, key := range map[string]string{
		specs.EnvPostgresHost: "host", specs.EnvPostgresPort: "port", specs.EnvPostgresDatabase: "dbname",
		specs.EnvPostgresUser: "user", specs.EnvPostgresPassword: "password", specs.EnvPostgresSSLMode: "sslmode",
	} {
		e, ok := env[name]
		require.True(t, ok, "env %s missing", name)
		require.NotNil(t, e.ValueFrom, name)
		assert.Equal(t, "ext-pg", e.ValueFrom.SecretKeyRef.Name, name)
		assert.Equal(t, key, e.ValueFrom.SecretKeyRef.Key, name)
	}
	assertPasswordNowhere(t, ns, "first-password")

	setPodReady(t, d, true)
	waitFor(t, ns, "ext", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	first := configHashOnPodTemplate(t, d)

	// A key the pod does not read changes nothing; a rotated password rolls the pod.
	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(secret), secret))
	secret.Data["comment"] = []byte("rotated soon")
	require.NoError(t, k8s.Update(ctx, secret))
	settle(t, op)
	assert.Equal(t, first, configHashOnPodTemplate(t, d), "an unread key must not roll the pod")

	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(secret), secret))
	secret.Data["password"] = []byte("second-password")
	require.NoError(t, k8s.Update(ctx, secret))
	eventually(t, timeout, "a new config hash after the password rotation", func() error {
		if h := configHashOnPodTemplate(t, d); h == first {
			return fmt.Errorf("hash still %s", h)
		}
		return nil
	})
	assertPasswordNowhere(t, ns, "second-password")

	// Once served, a database that becomes unusable degrades the DittoFS, with the reason.
	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(secret), secret))
	delete(secret.Data, "host")
	require.NoError(t, k8s.Update(ctx, secret))
	got = waitFor(t, ns, "ext", v1alpha1.PhaseDegraded, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonSecretMissingKey)
	assert.Equal(t, v1alpha1.ReasonSecretMissingKey, meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionDegraded).Reason)
}

// TestDatabaseTimeoutIsReportedAtTheDeadline: with nothing else happening, the operator wakes at
// the deadline, reports DatabaseTimeout with what is still missing, keeps waiting, and then
// costs no writes: the message does not change from pass to pass.
func TestDatabaseTimeoutIsReportedAtTheDeadline(t *testing.T) {
	ns := newNamespace(t)
	op := startOperator(t, ns)
	d := newDittoFS(ns, "late")
	d.Spec.Database = v1alpha1.DatabaseSpec{Type: v1alpha1.DatabasePostgres, ReadyTimeout: &metav1.Duration{Duration: 3 * time.Second},
		Postgres: &v1alpha1.PostgresSpec{SecretRef: &corev1.LocalObjectReference{Name: "late-pg"}}}
	d = createBound(t, d)
	waitFor(t, ns, "late", v1alpha1.PhaseStorageReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonSecretMissing)

	got := waitFor(t, ns, "late", v1alpha1.PhaseStorageReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonDatabaseTimeout)
	msg := dbMessage(got)
	assert.Contains(t, msg, "late-pg", "the timeout still says what is missing")
	assert.Contains(t, msg, d.CreationTimestamp.UTC().Format(time.RFC3339), "counted from the DittoFS's creation")
	assert.True(t, time.Since(d.CreationTimestamp.Time) >= 3*time.Second)

	settle(t, op)
	writes := op.writes.Load()
	poke(t, op, ns, "late", 3)
	settle(t, op)
	assert.Equal(t, int64(0), op.writes.Load()-writes, "a waiting DittoFS must cost no writes either")
	assert.Equal(t, msg, dbMessage(get(t, ns, "late")))

	require.NoError(t, k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "late-pg"},
		Data: map[string][]byte{"host": []byte("h"), "port": []byte("5432"), "dbname": []byte("d"), "user": []byte("u"), "password": []byte("p")}}))
	waitFor(t, ns, "late", v1alpha1.PhaseConfigReady, v1alpha1.ConditionDatabaseReady, v1alpha1.ReasonExternalReady)
}

func dbMessage(d *v1alpha1.DittoFS) string {
	return meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionDatabaseReady).Message
}

// assertNoStatefulSet: the server pod cannot start before its database is usable.
func assertNoStatefulSet(t *testing.T, d *v1alpha1.DittoFS) {
	t.Helper()
	err := k8s.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: specs.StatefulSetName(d)}, &appsv1.StatefulSet{})
	assert.True(t, apierrors.IsNotFound(err), "StatefulSet %s must not exist before the database is usable (err=%v)", specs.StatefulSetName(d), err)
}

// assertPasswordNowhere: the password lives in its Secret only, not in a ConfigMap, the
// StatefulSet or the DittoFS status.
func assertPasswordNowhere(t *testing.T, ns, password string) {
	t.Helper()
	var cms corev1.ConfigMapList
	require.NoError(t, k8s.List(ctx, &cms, client.InNamespace(ns)))
	for _, cm := range cms.Items {
		assert.NotContains(t, fmt.Sprint(cm.Data), password, "ConfigMap %s", cm.Name)
	}
	var stss appsv1.StatefulSetList
	require.NoError(t, k8s.List(ctx, &stss, client.InNamespace(ns)))
	for _, sts := range stss.Items {
		assert.NotContains(t, fmt.Sprintf("%+v", sts.Spec), password, "StatefulSet %s", sts.Name)
	}
	var list v1alpha1.DittoFSList
	require.NoError(t, k8s.List(ctx, &list, client.InNamespace(ns)))
	for _, d := range list.Items {
		assert.NotContains(t, fmt.Sprintf("%+v", d.Status), password, "DittoFS %s status", d.Name)
	}
}
