package controllers

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/testenv"
)

// TestPodProblemsAreNamed: a pod that is not ready says why, read from the pod and its container
// states, with the last termination message: never just PodNotReady for a state the user must fix.
func TestPodProblemsAreNamed(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	d := createBound(t, newDittoFS(ns, "broken"))
	statefulSet(t, d)

	for _, tc := range []struct {
		name   string
		status corev1.PodStatus
		reason string
		says   []string
	}{
		{"unschedulable", testenv.PodUnschedulable("0/3 nodes are available: 3 Insufficient memory."),
			v1alpha1.ReasonPodUnschedulable, []string{"broken-0", "3 Insufficient memory", "spec.scheduling"}},
		{"image pull", testenv.PodWaiting("ImagePullBackOff", `Back-off pulling image "marmos91c/dittofs:v9.9.9"`, nil, 0),
			v1alpha1.ReasonImagePullFailed, []string{"ImagePullBackOff", "v9.9.9", "spec.image"}},
		{"missing Secret key", testenv.PodWaiting("CreateContainerConfigError", `couldn't find key password in Secret dfs/broken-admin`, nil, 0),
			v1alpha1.ReasonContainerConfigError, []string{"CreateContainerConfigError", "couldn't find key password in Secret"}},
		{"crash loop", testenv.PodWaiting("CrashLoopBackOff", "back-off 5m0s restarting failed container",
			&corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", Message: "open /config/config.yaml: permission denied"}, 7),
			v1alpha1.ReasonCrashLoopBackOff, []string{"7 times", "exit code 1", "open /config/config.yaml: permission denied", "kubectl logs"}},
		{"out of memory", testenv.PodWaiting("CrashLoopBackOff", "back-off 40s restarting failed container",
			&corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}, 3),
			v1alpha1.ReasonOOMKilled, []string{"memory", "spec.resources.limits.memory"}},
		{"starting", testenv.PodRunning(false), v1alpha1.ReasonPodNotReady, []string{"broken-0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			play.SetPod(t, d, tc.status)
			got := waitFor(t, ns, "broken", v1alpha1.PhaseConfigReady, v1alpha1.ConditionServing, tc.reason)
			msg := condition(got, v1alpha1.ConditionServing).Message
			for _, s := range tc.says {
				assert.Contains(t, msg, s)
			}
			assert.Equal(t, tc.reason, condition(got, v1alpha1.ConditionReady).Reason, "Ready says it too")
		})
	}
}
