package testenv

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
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
		err := p.Client.Get(context.Background(), client.ObjectKey{Namespace: d.Namespace, Name: specs.StatefulSetName(d)}, sts)
		if err != nil {
			now := p.Get(t, d.Namespace, d.Name)
			return fmt.Errorf("%w; DittoFS phase %q, conditions %s", err, now.Status.Phase, DescribeConditions(now.Status.Conditions))
		}
		return nil
	})
	return sts
}

// SetPodReady plays the StatefulSet controller and the kubelet: the one pod runs the current
// spec, its server started, ready or not.
func (p Player) SetPodReady(t testing.TB, d *v1alpha1.DittoFS, ready bool) {
	t.Helper()
	p.SetPod(t, d, PodRunning(ready))
}

// SetPod plays the StatefulSet controller and the kubelet: pod-0 exists with the StatefulSet's
// current template (it is replaced when the template changed) and the given status, and the
// StatefulSet's status counts it, ready when the pod's Ready condition is True. As the
// StatefulSet controller does in a rolling update, the current revision becomes the new one only
// once the pod of the new revision is ready.
func (p Player) SetPod(t testing.TB, d *v1alpha1.DittoFS, status corev1.PodStatus) {
	t.Helper()
	ctx := context.Background()
	ready := false
	for _, c := range status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			ready = true
		}
	}
	Eventually(t, p.Timeout, "pod and StatefulSet status update", func() error {
		sts := p.StatefulSet(t, d)
		rev := fmt.Sprintf("%s-%d", sts.Name, sts.Generation)
		if err := p.setPod(ctx, sts, rev, status); err != nil {
			return err
		}
		current := sts.Status.CurrentRevision
		if ready || current == "" {
			current = rev
		}
		sts.Status = appsv1.StatefulSetStatus{
			ObservedGeneration: sts.Generation, Replicas: 1, CurrentReplicas: 1, UpdatedReplicas: 1,
			CurrentRevision: current, UpdateRevision: rev,
		}
		if ready {
			sts.Status.ReadyReplicas, sts.Status.AvailableReplicas = 1, 1
		}
		return p.Client.Status().Update(ctx, sts)
	})
}

// setPod makes pod-0 of revision rev exist with the given status.
func (p Player) setPod(ctx context.Context, sts *appsv1.StatefulSet, rev string, status corev1.PodStatus) error {
	pod := &corev1.Pod{}
	key := client.ObjectKey{Namespace: sts.Namespace, Name: sts.Name + "-0"}
	err := p.Client.Get(ctx, key, pod)
	switch {
	case err == nil && pod.Labels[appsv1.ControllerRevisionHashLabelKey] != rev:
		// An unscheduled pod is deleted at once: the next try creates the new one.
		if err := p.Client.Delete(ctx, pod, client.GracePeriodSeconds(0)); client.IgnoreNotFound(err) != nil {
			return err
		}
		return fmt.Errorf("replaced pod %s of an older revision", key.Name)
	case apierrors.IsNotFound(err):
		tmpl := sts.Spec.Template.DeepCopy()
		pod = &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name, Labels: tmpl.Labels, Annotations: tmpl.Annotations},
			Spec:       tmpl.Spec,
		}
		if pod.Labels == nil {
			pod.Labels = map[string]string{}
		}
		pod.Labels[appsv1.ControllerRevisionHashLabelKey] = rev
		if err := p.Client.Create(ctx, pod); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	pod.Status = *status.DeepCopy()
	return p.Client.Status().Update(ctx, pod)
}

// PodRunning is the status of a pod whose server started (its startup probe passed), ready or not.
func PodRunning(ready bool) corev1.PodStatus {
	st := podStatus(corev1.PodRunning, ready)
	st.ContainerStatuses = []corev1.ContainerStatus{{
		Name: specs.ServerContainerName, Ready: ready, Started: ptr.To(true),
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
	}}
	return st
}

// PodWaiting is the status of a pod whose server container waits (ImagePullBackOff,
// CreateContainerConfigError, CrashLoopBackOff...), after the last termination if any.
func PodWaiting(reason, message string, last *corev1.ContainerStateTerminated, restarts int32) corev1.PodStatus {
	phase := corev1.PodPending
	if last != nil {
		phase = corev1.PodRunning
	}
	st := podStatus(phase, false)
	cs := corev1.ContainerStatus{
		Name: specs.ServerContainerName, Started: ptr.To(false), RestartCount: restarts,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}},
	}
	if last != nil {
		cs.LastTerminationState = corev1.ContainerState{Terminated: last}
	}
	st.ContainerStatuses = []corev1.ContainerStatus{cs}
	return st
}

// PodUnschedulable is the status of a pod the scheduler cannot place.
func PodUnschedulable(message string) corev1.PodStatus {
	return corev1.PodStatus{
		Phase: corev1.PodPending,
		Conditions: []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable, Message: message,
		}},
	}
}

func podStatus(phase corev1.PodPhase, ready bool) corev1.PodStatus {
	readiness := corev1.ConditionFalse
	if ready {
		readiness = corev1.ConditionTrue
	}
	return corev1.PodStatus{
		Phase: phase,
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue},
			{Type: corev1.PodReady, Status: readiness},
			{Type: corev1.ContainersReady, Status: readiness},
		},
	}
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
