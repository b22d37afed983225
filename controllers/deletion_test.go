package controllers

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// dataObjects are the objects that hold data or the credentials bound to it.
func dataObjects(d *v1alpha1.DittoFS) []client.Object {
	var objs []client.Object
	for _, v := range specs.Volumes(d) {
		objs = append(objs, &corev1.PersistentVolumeClaim{ObjectMeta: objectMeta(d, specs.ClaimName(d, v.Role))})
	}
	return append(objs,
		&corev1.Secret{ObjectMeta: objectMeta(d, specs.AdminSecretName(d))},
		&corev1.Secret{ObjectMeta: objectMeta(d, specs.JWTSecretName(d))})
}

func servingDittoFS(t *testing.T, ns, name string, policy v1alpha1.DeletionPolicy) *v1alpha1.DittoFS {
	t.Helper()
	d := newDittoFS(ns, name)
	d.Spec.Storage.DeletionPolicy = policy
	require.NoError(t, k8s.Create(ctx, d))
	d = get(t, ns, name)
	bindClaims(t, d)
	setPodReady(t, d, true)
	return waitFor(t, ns, name, v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
}

func deleteAndWaitGone(t *testing.T, d *v1alpha1.DittoFS) {
	t.Helper()
	require.NoError(t, k8s.Delete(ctx, d))
	eventually(t, timeout, "the DittoFS to be gone", func() error {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(d), &v1alpha1.DittoFS{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (err=%v)", err)
	})
}

// TestDeletionKeepsDataByDefault: with the default policy the volumes and credentials survive the
// DittoFS, without owner references that would let the garbage collector take them later.
func TestDeletionKeepsDataByDefault(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	d := servingDittoFS(t, ns, "keep", "")
	assert.Equal(t, v1alpha1.DeletionPolicyRetain, d.Spec.Storage.DeletionPolicy, "Retain is the default")

	// The objects that do not hold data are owned, so the garbage collector removes them.
	sts := statefulSet(t, d)
	require.Len(t, sts.OwnerReferences, 1)
	assert.Equal(t, d.UID, sts.OwnerReferences[0].UID)

	deleteAndWaitGone(t, d)
	collectGarbage(t, d)
	for _, obj := range dataObjects(d) {
		require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj), "%T %s must survive", obj, obj.GetName())
		assert.Nil(t, obj.GetDeletionTimestamp(), "%s must not be deleting", obj.GetName())
		assert.Empty(t, obj.GetOwnerReferences(), "%s must not be owned", obj.GetName())
	}

	// A new DittoFS of the same name finds the same data and credentials.
	again := servingDittoFS(t, ns, "keep", "")
	admin := &corev1.Secret{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: specs.AdminSecretName(again)}, admin))
	assert.Equal(t, dataObjects(d)[len(dataObjects(d))-2].GetName(), admin.Name)
}

// TestDeletionDeletesDataWhenAsked: with deletionPolicy Delete the volumes and credentials go, and
// a same-named object the user made by hand (no operator labels) is left alone.
func TestDeletionDeletesDataWhenAsked(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	d := servingDittoFS(t, ns, "gone", v1alpha1.DeletionPolicyDelete)
	stray := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "gone-payload"}}
	require.NoError(t, k8s.Create(ctx, stray))

	deleteAndWaitGone(t, d)
	for _, obj := range dataObjects(d) {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj)
		// Claims keep the pvc-protection finalizer until no pod uses them, so "deleting" counts.
		if err == nil && obj.GetDeletionTimestamp() == nil {
			t.Errorf("%T %s was not deleted", obj, obj.GetName())
		}
	}
	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(stray), stray))
	// The StatefulSet is owned, so in a real cluster the garbage collector removes it.
	sts := &appsv1.StatefulSet{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gone"}, sts))
	assert.Equal(t, d.UID, sts.OwnerReferences[0].UID)
}
