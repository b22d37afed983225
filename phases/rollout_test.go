package phases

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// TestRolloutStuckAfterTheDeadline: a rollout whose new pod runs but never becomes ready is work
// in progress for RolloutDeadline, then an unplanned failure that says so; a first pod is not a
// rollout.
func TestRolloutStuckAfterTheDeadline(t *testing.T) {
	now := time.Now()
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "media", Generation: 2},
		Status:     appsv1.StatefulSetStatus{ObservedGeneration: 2, CurrentRevision: "old", UpdateRevision: "new"},
	}
	pod := func(age time.Duration, ready corev1.ConditionStatus) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "media-0", CreationTimestamp: metav1.NewTime(now.Add(-age)),
				Labels: map[string]string{appsv1.ControllerRevisionHashLabelKey: "new"}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: ready}}},
		}
	}
	d := &v1alpha1.DittoFS{ObjectMeta: metav1.ObjectMeta{Name: "media"}}

	err := statefulSetReadiness(d, sts, pod(time.Minute, corev1.ConditionFalse), now)
	if b := AsBlocked(err); assert.NotNil(t, b) {
		assert.Equal(t, v1alpha1.ReasonRollingOut, b.Reason)
		assert.True(t, b.Planned)
		assert.Equal(t, RolloutDeadline-time.Minute+time.Second, b.RequeueAfter, "looked at again when the deadline passes")
	}
	err = statefulSetReadiness(d, sts, pod(RolloutDeadline+time.Second, corev1.ConditionFalse), now)
	if b := AsBlocked(err); assert.NotNil(t, b) {
		assert.Equal(t, v1alpha1.ReasonRolloutStuck, b.Reason)
		assert.False(t, b.Planned, "a stuck rollout degrades")
		assert.Contains(t, b.Message, "media-0")
	}

	first := sts.DeepCopy()
	first.Status.CurrentRevision = "new"
	first.Status.ReadyReplicas = 0
	err = statefulSetReadiness(d, first, pod(time.Hour, corev1.ConditionFalse), now)
	if b := AsBlocked(err); assert.NotNil(t, b) {
		assert.Equal(t, v1alpha1.ReasonPodNotReady, b.Reason, "no rollout: the pod is simply not ready")
	}
}
