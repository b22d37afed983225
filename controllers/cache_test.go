package controllers

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// TestNewDittoFSNeverFailsAReconcile creates several DittoFS at once and plays them to Serving:
// the operator reads back what it has just created from the API server's answers, not from a
// cache that may not have seen it yet, so not one reconcile returns an error (each would be a
// retry with backoff).
func TestNewDittoFSNeverFailsAReconcile(t *testing.T) {
	ns := newNamespace(t)
	op := startOperator(t, ns)
	const n = 6
	var all []*v1alpha1.DittoFS
	for i := range n {
		all = append(all, createBound(t, newDittoFS(ns, fmt.Sprintf("new-%d", i))))
	}
	for _, d := range all {
		setPodReady(t, d, true)
	}
	for _, d := range all {
		waitFor(t, ns, d.Name, v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	}
	settle(t, op)
	assert.Empty(t, op.failures.list(), "reconcile errors of %d reconciles", op.reconciles.Load())
}

// TestCacheHoldsOnlyTheOperatorsObjects: the manager's cache of every kind the operator creates
// holds the objects it labelled and nothing else, and no managed fields. An unlabelled object of
// the same name as one the operator wants is still seen, and reported as NameConflict (see
// TestNameConflicts), through the API server.
func TestCacheHoldsOnlyTheOperatorsObjects(t *testing.T) {
	ns := newNamespace(t)
	op := startOperator(t, ns)
	// Someone else's objects in the watched namespace, created before the DittoFS so that once the
	// cache holds the DittoFS's objects of a kind it has seen these too, were they cached.
	foreign := []client.Object{
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "someone-elses"}, Data: map[string]string{"k": "v"}},
		&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "someone-elses"}, Spec: appsv1.StatefulSetSpec{
			Replicas: ptr.To[int32](0),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "x"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "x", Image: "example/x:1"}}},
			},
		}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "someone-elses"}, Spec: corev1.ServiceSpec{
			Ports: []corev1.ServicePort{{Port: 80}},
		}},
	}
	for _, obj := range foreign {
		require.NoError(t, k8s.Create(ctx, obj))
	}
	d := createBound(t, newDittoFS(ns, "cached"))
	setPodReady(t, d, true)
	waitFor(t, ns, "cached", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)

	for _, obj := range foreign {
		err := op.cache.Get(ctx, client.ObjectKeyFromObject(obj), obj.DeepCopyObject().(client.Object))
		assert.True(t, apierrors.IsNotFound(err), "%T %s is not the operator's and must not be cached: %v", obj, obj.GetName(), err)
	}
	lists := []client.ObjectList{&appsv1.StatefulSetList{}, &corev1.ServiceList{}, &corev1.ConfigMapList{},
		&corev1.PersistentVolumeClaimList{}, &corev1.PodList{}, &networkingv1.NetworkPolicyList{}}
	for _, list := range lists {
		require.NoError(t, op.cache.List(ctx, list, client.InNamespace(ns)))
		items, err := meta.ExtractList(list)
		require.NoError(t, err)
		assert.NotEmpty(t, items, "%T: the DittoFS's own objects are cached", list)
		for _, item := range items {
			m, err := meta.Accessor(item)
			require.NoError(t, err)
			assert.Equal(t, specs.ManagedBy, m.GetLabels()[specs.ManagedByLabel], "%T %s in the cache", item, m.GetName())
			assert.Empty(t, m.GetManagedFields(), "%T %s keeps managed fields in the cache", item, m.GetName())
		}
	}
}
