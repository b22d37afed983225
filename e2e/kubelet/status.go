package kubelet

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// syncStatus writes what the container is doing into the pod's status, as the kubelet's status
// manager does: Ready and ContainersReady follow the readiness probe, the container status says
// running or waiting in CrashLoopBackOff, with its restart count and last termination. kwok set
// the pod Running once (its pod-ready stage only matches pods without an IP) and leaves it alone
// afterwards, so nothing fights these writes. It writes only when something changed, and puts
// Ready back if another controller (the node lifecycle controller after an outage) took it away
// while the server is in fact healthy, as a live kubelet would on its next status sync.
func (n *Node) syncStatus(ctx context.Context, pod *corev1.Pod, st *container, up bool) {
	if pod.Status.PodIP == "" || len(pod.Status.ContainerStatuses) == 0 {
		return // kwok has not started the pod yet
	}
	want := pod.DeepCopy()
	cs := &want.Status.ContainerStatuses[0]
	cs.Ready = st.ready
	cs.Started = &up
	cs.RestartCount = st.restarts
	cs.LastTerminationState = corev1.ContainerState{Terminated: st.lastExit}
	switch {
	case up:
		cs.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metaTime(st.startedAt)}}
	case st.lastExit != nil:
		cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
			Reason:  "CrashLoopBackOff",
			Message: "back-off " + st.backoff.String() + " restarting failed container " + cs.Name,
		}}
	default:
		cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
	}
	status := corev1.ConditionFalse
	if st.ready {
		status = corev1.ConditionTrue
	}
	for i := range want.Status.Conditions {
		c := &want.Status.Conditions[i]
		if (c.Type == corev1.PodReady || c.Type == corev1.ContainersReady) && c.Status != status {
			c.Status, c.LastTransitionTime, c.Reason = status, metav1.Now(), ""
			if status == corev1.ConditionFalse {
				c.Reason = "ContainersNotReady"
			}
		}
	}
	if sameStatus(pod, want) {
		return
	}
	// A conflict (kwok or the controller manager wrote in between) is retried on the next sync.
	_ = n.c.Status().Update(ctx, want)
}

// sameStatus compares the fields syncStatus owns.
func sameStatus(a, b *corev1.Pod) bool {
	x, y := a.Status.ContainerStatuses[0], b.Status.ContainerStatuses[0]
	if x.Ready != y.Ready || x.RestartCount != y.RestartCount || (x.Started == nil) != (y.Started == nil) ||
		(x.Started != nil && *x.Started != *y.Started) || stateName(x.State) != stateName(y.State) ||
		(x.LastTerminationState.Terminated == nil) != (y.LastTerminationState.Terminated == nil) {
		return false
	}
	for i := range a.Status.Conditions {
		if a.Status.Conditions[i].Status != b.Status.Conditions[i].Status {
			return false
		}
	}
	return true
}

func stateName(s corev1.ContainerState) string {
	switch {
	case s.Running != nil:
		return "running"
	case s.Waiting != nil:
		return "waiting " + s.Waiting.Reason
	case s.Terminated != nil:
		return "terminated"
	}
	return ""
}

func metaTime(t time.Time) metav1.Time {
	if t.IsZero() {
		return metav1.Time{}
	}
	return metav1.NewTime(t)
}
