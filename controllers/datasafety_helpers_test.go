package controllers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
	"github.com/dittofs/dittofs-operator/internal/testenv"
)

// waitForMessage waits until the DittoFS's condType carries reason, for its latest
// generation, with a message containing every one of want, whatever the phase.
func waitForMessage(t *testing.T, ns, name, condType, reason string, want ...string) *v1alpha1.DittoFS {
	t.Helper()
	var d *v1alpha1.DittoFS
	eventually(t, timeout, fmt.Sprintf("%s reason %s saying %q", condType, reason, want), func() error {
		d = get(t, ns, name)
		c := meta.FindStatusCondition(d.Status.Conditions, condType)
		if c == nil || c.Reason != reason || c.ObservedGeneration != d.Generation {
			return fmt.Errorf("phase %q, conditions %s", d.Status.Phase, testenv.DescribeConditions(d.Status.Conditions))
		}
		for _, w := range want {
			if !strings.Contains(c.Message, w) {
				return fmt.Errorf("message %q lacks %q", c.Message, w)
			}
		}
		return nil
	})
	return d
}

// collectGarbage plays the garbage collector, which envtest lacks, for a DittoFS that is gone:
// the objects it controlled (StatefulSet, Services, ConfigMap, NetworkPolicy) and the StatefulSet's pod go.
func collectGarbage(t *testing.T, d *v1alpha1.DittoFS) {
	t.Helper()
	owned := []client.Object{
		&appsv1.StatefulSet{ObjectMeta: objectMeta(d, specs.StatefulSetName(d))},
		&corev1.Service{ObjectMeta: objectMeta(d, specs.DataServiceName(d))},
		&corev1.Service{ObjectMeta: objectMeta(d, specs.APIServiceName(d))},
		&corev1.ConfigMap{ObjectMeta: objectMeta(d, specs.ConfigMapName(d))},
		&networkingv1.NetworkPolicy{ObjectMeta: objectMeta(d, specs.NetworkPolicyName(d))},
	}
	for _, obj := range owned {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj)
		if apierrors.IsNotFound(err) {
			continue
		}
		require.NoError(t, err)
		if metav1.IsControlledBy(obj, d) {
			require.NoError(t, client.IgnoreNotFound(k8s.Delete(ctx, obj)))
		}
	}
	pod := &corev1.Pod{ObjectMeta: objectMeta(d, specs.PodName(d))}
	require.NoError(t, client.IgnoreNotFound(k8s.Delete(ctx, pod, client.GracePeriodSeconds(0))))
}

// deleteClaim deletes a claim and plays the pvc-protection controller, which envtest lacks: that
// claim is gone once this returns (the operator may already have created a new one).
func deleteClaim(t *testing.T, d *v1alpha1.DittoFS, name string) {
	t.Helper()
	pvc := &corev1.PersistentVolumeClaim{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: name}, pvc))
	require.NoError(t, client.IgnoreNotFound(k8s.Delete(ctx, pvc)))
	releaseClaim(t, d, name)
}

// releaseClaim plays the pvc-protection controller for a claim being deleted: it drops the
// finalizers and waits until that claim is gone.
func releaseClaim(t *testing.T, d *v1alpha1.DittoFS, name string) {
	t.Helper()
	pvc := &corev1.PersistentVolumeClaim{}
	err := k8s.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: name}, pvc)
	if apierrors.IsNotFound(err) {
		return
	}
	require.NoError(t, err)
	require.NotNil(t, pvc.DeletionTimestamp, "%s is not being deleted", name)
	deleting := pvc.UID
	eventually(t, timeout, "PersistentVolumeClaim "+name+" to be gone", func() error {
		pvc := &corev1.PersistentVolumeClaim{}
		err := k8s.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: name}, pvc)
		if apierrors.IsNotFound(err) || (err == nil && pvc.UID != deleting) {
			return nil
		}
		if err != nil {
			return err
		}
		pvc.Finalizers = nil
		if err := k8s.Update(ctx, pvc); err != nil {
			return err
		}
		return fmt.Errorf("finalizers dropped; waiting for %s to go", name)
	})
}

// assertAbsent checks, straight on the API server, that the operator has not created obj.
func assertAbsent(t *testing.T, obj client.Object) {
	t.Helper()
	err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj)
	require.True(t, apierrors.IsNotFound(err), "%T %s must not exist (err=%v, created %s)", obj, obj.GetName(), err, obj.GetCreationTimestamp())
}
