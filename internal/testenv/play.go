package testenv

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// Player reads DittoFS objects and plays the controllers an envtest API server lacks: the volume
// provisioner, the StatefulSet controller and the kubelet. Every wait has Timeout as deadline.
type Player struct {
	Client  client.Client
	Timeout time.Duration
}

// NewNamespace creates a namespace with a generated name.
func (p Player) NewNamespace(t testing.TB, prefix string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix}}
	if err := p.Client.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// Get reads a DittoFS.
func (p Player) Get(t testing.TB, ns, name string) *v1alpha1.DittoFS {
	t.Helper()
	d := &v1alpha1.DittoFS{}
	if err := p.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, d); err != nil {
		t.Fatalf("get DittoFS %s/%s: %v", ns, name, err)
	}
	return d
}

// WaitFor waits until the DittoFS is in phase with condType carrying reason for its latest
// generation.
func (p Player) WaitFor(t testing.TB, ns, name string, phase v1alpha1.Phase, condType, reason string) *v1alpha1.DittoFS {
	t.Helper()
	var d *v1alpha1.DittoFS
	Eventually(t, p.Timeout, fmt.Sprintf("phase %s with %s reason %s", phase, condType, reason), func() error {
		d = p.Get(t, ns, name)
		c := meta.FindStatusCondition(d.Status.Conditions, condType)
		if d.Status.Phase != phase || c == nil || c.Reason != reason || c.ObservedGeneration != d.Generation {
			return fmt.Errorf("phase %q, conditions %s", d.Status.Phase, DescribeConditions(d.Status.Conditions))
		}
		return nil
	})
	return d
}

// BindClaims plays the volume provisioner: every claim of the DittoFS becomes Bound.
func (p Player) BindClaims(t testing.TB, d *v1alpha1.DittoFS) {
	t.Helper()
	ctx := context.Background()
	Eventually(t, p.Timeout, "claims to exist and bind", func() error {
		for _, v := range specs.Volumes(d) {
			pvc := &corev1.PersistentVolumeClaim{}
			if err := p.Client.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: specs.ClaimName(d, v.Role)}, pvc); err != nil {
				return err
			}
			if pvc.Status.Phase == corev1.ClaimBound {
				continue
			}
			pvc.Status.Phase = corev1.ClaimBound
			pvc.Status.Capacity = pvc.Spec.Resources.Requests
			if err := p.Client.Status().Update(ctx, pvc); err != nil {
				return err
			}
		}
		return nil
	})
}

// StatefulSet returns the server's StatefulSet once the operator has created it.
func (p Player) StatefulSet(t testing.TB, d *v1alpha1.DittoFS) *appsv1.StatefulSet {
	t.Helper()
	sts := &appsv1.StatefulSet{}
	Eventually(t, p.Timeout, "the StatefulSet", func() error {
		return p.Client.Get(context.Background(), client.ObjectKey{Namespace: d.Namespace, Name: specs.StatefulSetName(d)}, sts)
	})
	return sts
}

// SetPodReady plays the StatefulSet controller and the kubelet: the one pod runs the current
// spec, ready or not.
func (p Player) SetPodReady(t testing.TB, d *v1alpha1.DittoFS, ready bool) {
	t.Helper()
	Eventually(t, p.Timeout, "StatefulSet status update", func() error {
		sts := p.StatefulSet(t, d)
		rev := fmt.Sprintf("%s-%d", sts.Name, sts.Generation)
		sts.Status = appsv1.StatefulSetStatus{
			ObservedGeneration: sts.Generation, Replicas: 1, CurrentReplicas: 1, UpdatedReplicas: 1,
			CurrentRevision: rev, UpdateRevision: rev,
		}
		if ready {
			sts.Status.ReadyReplicas, sts.Status.AvailableReplicas = 1, 1
		}
		return p.Client.Status().Update(context.Background(), sts)
	})
}

// ConfigHash is the hash on the server's pod template.
func (p Player) ConfigHash(t testing.TB, d *v1alpha1.DittoFS) string {
	t.Helper()
	return p.StatefulSet(t, d).Spec.Template.Annotations[specs.ConfigHashAnnotation]
}

// CreateBound creates a DittoFS, reads it back as the API server stored it (defaults applied)
// and plays the volume provisioner for its claims.
func (p Player) CreateBound(t testing.TB, d *v1alpha1.DittoFS) *v1alpha1.DittoFS {
	t.Helper()
	if err := p.Client.Create(context.Background(), d); err != nil {
		t.Fatalf("create DittoFS %s/%s: %v", d.Namespace, d.Name, err)
	}
	d = p.Get(t, d.Namespace, d.Name)
	p.BindClaims(t, d)
	return d
}
