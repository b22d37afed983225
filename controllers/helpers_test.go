package controllers

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
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
	return play.Get(t, ns, name)
}

// waitFor waits until the DittoFS is in phase with the condition carrying reason.
func waitFor(t testing.TB, ns, name string, phase v1alpha1.Phase, condType, reason string) *v1alpha1.DittoFS {
	t.Helper()
	return play.WaitFor(t, ns, name, phase, condType, reason)
}

// bindClaims plays the volume provisioner.
func bindClaims(t testing.TB, d *v1alpha1.DittoFS) {
	t.Helper()
	play.BindClaims(t, d)
}

func statefulSet(t testing.TB, d *v1alpha1.DittoFS) *appsv1.StatefulSet {
	t.Helper()
	return play.StatefulSet(t, d)
}

// setPodReady plays the StatefulSet controller and kubelet.
func setPodReady(t testing.TB, d *v1alpha1.DittoFS, ready bool) {
	t.Helper()
	play.SetPodReady(t, d, ready)
}

func configHashOnPodTemplate(t testing.TB, d *v1alpha1.DittoFS) string {
	t.Helper()
	return play.ConfigHash(t, d)
}

// createBound creates the DittoFS and binds its claims.
func createBound(t testing.TB, d *v1alpha1.DittoFS) *v1alpha1.DittoFS {
	t.Helper()
	return play.CreateBound(t, d)
}

// userSecretLabels are the labels a user puts on a Secret they provide in the DittoFS's name
// (their own admin password, say): without them the operator reports a NameConflict.
func userSecretLabels(name string) map[string]string {
	return map[string]string{specs.InstanceLabel: name, specs.ManagedByLabel: specs.ManagedBy}
}
