package controllers

import (
	"context"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
	"github.com/dittofs/dittofs-operator/internal/testenv"
)

var ctx = context.Background()

// newDittoFS is a sample with ClusterIP services, so no load-balancer clock is involved.
func newDittoFS(ns, name string) *v1alpha1.DittoFS {
	return &v1alpha1.DittoFS{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.DittoFSSpec{
			Service: v1alpha1.ServiceSpec{Type: "ClusterIP"},
			Shares:  []v1alpha1.ShareSpec{{Name: "/media"}},
		},
	}
}

func get(t testing.TB, ns, name string) *v1alpha1.DittoFS {
	t.Helper()
	d := &v1alpha1.DittoFS{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, d); err != nil {
		t.Fatalf("get DittoFS: %v", err)
	}
	return d
}

// waitFor waits until the DittoFS is in phase with the condition carrying reason.
func waitFor(t testing.TB, ns, name string, phase v1alpha1.Phase, condType, reason string) *v1alpha1.DittoFS {
	t.Helper()
	var d *v1alpha1.DittoFS
	eventually(t, timeout, fmt.Sprintf("phase %s with %s reason %s", phase, condType, reason), func() error {
		d = get(t, ns, name)
		c := meta.FindStatusCondition(d.Status.Conditions, condType)
		if d.Status.Phase != phase || c == nil || c.Reason != reason || c.ObservedGeneration != d.Generation {
			return fmt.Errorf("phase %q, conditions %s", d.Status.Phase, testenv.DescribeConditions(d.Status.Conditions))
		}
		return nil
	})
	return d
}

// bindClaims plays the volume provisioner: it marks every claim of the DittoFS Bound.
func bindClaims(t testing.TB, d *v1alpha1.DittoFS) {
	t.Helper()
	eventually(t, timeout, "claims to exist and bind", func() error {
		for _, v := range specs.Volumes(d) {
			pvc := &corev1.PersistentVolumeClaim{}
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: specs.ClaimName(d, v.Role)}, pvc); err != nil {
				return err
			}
			if pvc.Status.Phase == corev1.ClaimBound {
				continue
			}
			pvc.Status.Phase = corev1.ClaimBound
			pvc.Status.Capacity = pvc.Spec.Resources.Requests
			if err := k8s.Status().Update(ctx, pvc); err != nil {
				return err
			}
		}
		return nil
	})
}

// statefulSet returns the server's StatefulSet once the operator has created it.
func statefulSet(t testing.TB, d *v1alpha1.DittoFS) *appsv1.StatefulSet {
	t.Helper()
	sts := &appsv1.StatefulSet{}
	eventually(t, timeout, "the StatefulSet", func() error {
		return k8s.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: specs.StatefulSetName(d)}, sts)
	})
	return sts
}

// setPodReady plays the StatefulSet controller and kubelet: the one pod runs the current spec.
func setPodReady(t testing.TB, d *v1alpha1.DittoFS, ready bool) {
	t.Helper()
	eventually(t, timeout, "StatefulSet status update", func() error {
		sts := statefulSet(t, d)
		rev := fmt.Sprintf("%s-%d", sts.Name, sts.Generation)
		sts.Status = appsv1.StatefulSetStatus{
			ObservedGeneration: sts.Generation, Replicas: 1, CurrentReplicas: 1, UpdatedReplicas: 1,
			CurrentRevision: rev, UpdateRevision: rev,
		}
		if ready {
			sts.Status.ReadyReplicas, sts.Status.AvailableReplicas = 1, 1
		}
		return k8s.Status().Update(ctx, sts)
	})
}

func configHashOnPodTemplate(t testing.TB, d *v1alpha1.DittoFS) string {
	t.Helper()
	return statefulSet(t, d).Spec.Template.Annotations[specs.ConfigHashAnnotation]
}
