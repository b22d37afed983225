package controllers

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// TestAdminSecretKeptWhenDatabaseOutlives: under deletionPolicy Delete with an external
// PostgreSQL, the database keeps the admin user, so the admin Secret stays; a DittoFS recreated
// over that database finds the password the server accepts.
func TestAdminSecretKeptWhenDatabaseOutlives(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	require.NoError(t, k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ext-pg"}, Data: map[string][]byte{
		"host": []byte("db.example"), "port": []byte("5432"), "dbname": []byte("dfs"), "user": []byte("ditto"),
		"password": []byte("pg-password"), "sslmode": []byte("disable"),
	}}))
	external := func() *v1alpha1.DittoFS {
		d := newDittoFS(ns, "ext")
		d.Spec.Storage.DeletionPolicy = v1alpha1.DeletionPolicyDelete
		d.Spec.Database = v1alpha1.DatabaseSpec{Type: v1alpha1.DatabasePostgres,
			Postgres: &v1alpha1.PostgresSpec{SecretRef: &corev1.LocalObjectReference{Name: "ext-pg"}}}
		return d
	}
	d := createBound(t, external())
	setPodReady(t, d, true)
	waitFor(t, ns, "ext", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	admin := &corev1.Secret{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: specs.AdminSecretName(d)}, admin))

	deleteAndWaitGone(t, d)
	kept := &corev1.Secret{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(admin), kept), "the admin Secret must outlive the DittoFS")
	assert.Nil(t, kept.DeletionTimestamp)
	assertAbsent(t, &corev1.Secret{ObjectMeta: objectMeta(d, specs.JWTSecretName(d))})
	for _, v := range specs.Volumes(d) {
		releaseClaim(t, d, specs.ClaimName(d, v.Role)) // Delete took the volumes
	}
	collectGarbage(t, d)

	again := createBound(t, external())
	setPodReady(t, again, true)
	waitFor(t, ns, "ext", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	now := &corev1.Secret{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(admin), now))
	assert.Equal(t, admin.UID, now.UID, "the admin Secret was recreated")
	assert.Equal(t, admin.Data, now.Data, "the admin password changed: the server would refuse it")
}

// TestAdminSecretNotRegeneratedWithoutStatus: status can be lost; the StatefulSet this DittoFS
// created still shows that a server may have created its admin user, so a missing admin Secret is
// SecretLost, not a new password.
func TestAdminSecretNotRegeneratedWithoutStatus(t *testing.T) {
	ns := newNamespace(t)
	op := startOperator(t, ns)
	d := servingDittoFS(t, ns, "nostatus", "")
	require.NoError(t, op.stop())

	require.NoError(t, k8s.Delete(ctx, &corev1.Secret{ObjectMeta: objectMeta(d, specs.AdminSecretName(d))}))
	d = get(t, ns, "nostatus")
	d.Status = v1alpha1.DittoFSStatus{}
	require.NoError(t, k8s.Status().Update(ctx, d))

	op = startOperator(t, ns)
	waitForMessage(t, ns, "nostatus", v1alpha1.ConditionConfigReady, v1alpha1.ReasonSecretLost, "StatefulSet nostatus exists")
	poke(t, op, ns, "nostatus", 1)
	assertAbsent(t, &corev1.Secret{ObjectMeta: objectMeta(d, specs.AdminSecretName(d))})
}

// TestAdminSecretNotRegeneratedOverKeptVolumes: a DittoFS recreated over the volumes an earlier
// one kept (Retain) has no status, but those volumes hold the admin user, so a missing admin
// Secret is SecretLost.
func TestAdminSecretNotRegeneratedOverKeptVolumes(t *testing.T) {
	ns := newNamespace(t)
	op := startOperator(t, ns)
	d := servingDittoFS(t, ns, "kept", "")
	deleteAndWaitGone(t, d)
	collectGarbage(t, d)
	require.NoError(t, k8s.Delete(ctx, &corev1.Secret{ObjectMeta: objectMeta(d, specs.AdminSecretName(d))}))

	require.NoError(t, k8s.Create(ctx, newDittoFS(ns, "kept")))
	waitForMessage(t, ns, "kept", v1alpha1.ConditionConfigReady, v1alpha1.ReasonSecretLost, "was not created by this DittoFS")
	poke(t, op, ns, "kept", 1)
	assertAbsent(t, &corev1.Secret{ObjectMeta: objectMeta(d, specs.AdminSecretName(d))})
}
