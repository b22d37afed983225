package phases

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// maxTerminationMessage bounds what a condition quotes of a container's termination message.
const maxTerminationMessage = 512

// serverPod reads the server pod, nil when it does not exist.
func serverPod(ctx context.Context, s *Scope) (*corev1.Pod, error) {
	pod := &corev1.Pod{}
	key := client.ObjectKey{Namespace: s.DittoFS.Namespace, Name: specs.PodName(s.DittoFS)}
	if err := s.Client.Get(ctx, key, pod); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("get Pod %s: %w", key.Name, err)
	}
	return pod, nil
}

// serverContainer is the status of the server container, nil before the kubelet reports it.
func serverContainer(pod *corev1.Pod) *corev1.ContainerStatus {
	for i := range pod.Status.ContainerStatuses {
		if cs := &pod.Status.ContainerStatuses[i]; cs.Name == specs.ServerContainerName {
			return cs
		}
	}
	return nil
}

// serverStarted reports a pod whose server container runs and passed its startup probe (the
// REST API answers /health), whether or not the pod is ready.
func serverStarted(pod *corev1.Pod) bool {
	if pod == nil || pod.DeletionTimestamp != nil || pod.Status.Phase != corev1.PodRunning {
		return false
	}
	cs := serverContainer(pod)
	return cs != nil && cs.State.Running != nil && cs.Started != nil && *cs.Started
}

// serverInstance names the server process that runs now: the pod, the start of its server
// container and its restart count. A new value means a new process, which may have come up on
// a different state (a restored volume, an emptied memory store); "" when none runs.
func serverInstance(pod *corev1.Pod) string {
	if !serverStarted(pod) {
		return ""
	}
	cs := serverContainer(pod)
	return fmt.Sprintf("%s/%s/%d", pod.UID, cs.State.Running.StartedAt.UTC().Format(time.RFC3339), cs.RestartCount)
}

// podProblem is a *Blocked error for a pod state that does not get better by waiting (the
// scheduler cannot place it, the image cannot be pulled, the container cannot be created, the
// server keeps exiting), or nil. The message names what the pod reports and where to fix it.
func podProblem(pod *corev1.Pod) error {
	if pod == nil || pod.DeletionTimestamp != nil {
		return nil
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return Block(v1alpha1.ReasonPodUnschedulable,
				"Pod %s cannot be scheduled: %s Check spec.scheduling and spec.resources, or add capacity to the cluster.", pod.Name, sentence(c.Message))
		}
	}
	cs := serverContainer(pod)
	if cs == nil {
		return nil
	}
	last := cs.LastTerminationState.Terminated
	if t := cs.State.Terminated; t != nil {
		last = t
	}
	if w := cs.State.Waiting; w != nil {
		switch w.Reason {
		case "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull":
			return Block(v1alpha1.ReasonImagePullFailed, "Pod %s cannot pull image %s (%s): %s Check spec.image and spec.imagePullSecrets.",
				pod.Name, cs.Image, w.Reason, sentence(w.Message))
		case "CreateContainerConfigError", "CreateContainerError", "RunContainerError":
			return Block(v1alpha1.ReasonContainerConfigError,
				"The server container of pod %s cannot be created (%s): %s A Secret or key it reads may be missing.", pod.Name, w.Reason, sentence(w.Message))
		case "CrashLoopBackOff":
			return crashLoop(pod.Name, cs.RestartCount, last)
		}
	}
	if last != nil && last.Reason == "OOMKilled" && cs.State.Running == nil {
		return crashLoop(pod.Name, cs.RestartCount, last)
	}
	return nil
}

// crashLoop describes a server that keeps exiting, from its last termination.
func crashLoop(pod string, restarts int32, last *corev1.ContainerStateTerminated) error {
	if last != nil && last.Reason == "OOMKilled" {
		return Block(v1alpha1.ReasonOOMKilled,
			"The server in pod %s was killed for using more memory than its limit (restarted %d times); raise spec.resources.limits.memory.", pod, restarts)
	}
	msg := fmt.Sprintf("The server in pod %s keeps exiting (restarted %d times)", pod, restarts)
	if last != nil {
		msg += fmt.Sprintf("; last exit code %d", last.ExitCode)
		if last.Reason != "" {
			msg += " (" + last.Reason + ")"
		}
		if m := strings.TrimSpace(last.Message); m != "" {
			msg += ": " + Truncate(m, maxTerminationMessage)
		}
	}
	return Block(v1alpha1.ReasonCrashLoopBackOff, "%s. See kubectl logs %s --previous.", msg, pod)
}

// podState describes a pod that is not ready for a condition message, with nothing that
// changes from pass to pass unless the pod does.
func podState(pod *corev1.Pod, name string) string {
	switch {
	case pod == nil:
		return fmt.Sprintf("pod %s does not exist yet", name)
	case pod.DeletionTimestamp != nil:
		return fmt.Sprintf("pod %s is terminating", pod.Name)
	case pod.Status.Phase == corev1.PodFailed || pod.Status.Phase == corev1.PodSucceeded:
		return fmt.Sprintf("pod %s has ended (%s: %s)", pod.Name, pod.Status.Phase, strings.TrimSpace(pod.Status.Reason+" "+pod.Status.Message))
	}
	cs := serverContainer(pod)
	switch {
	case pod.Spec.NodeName == "" && pod.Status.Phase == corev1.PodPending && cs == nil:
		return fmt.Sprintf("pod %s waits to be scheduled", pod.Name)
	case cs == nil:
		return fmt.Sprintf("pod %s is %s", pod.Name, pod.Status.Phase)
	case cs.State.Waiting != nil:
		return fmt.Sprintf("the server container of pod %s waits (%s)", pod.Name, cs.State.Waiting.Reason)
	case cs.State.Running == nil:
		return fmt.Sprintf("the server container of pod %s is not running", pod.Name)
	case cs.Started == nil || !*cs.Started:
		return fmt.Sprintf("the server in pod %s is starting (its REST API does not answer yet)", pod.Name)
	}
	s := fmt.Sprintf("the server in pod %s runs, but its data-plane port does not accept connections", pod.Name)
	if last := cs.LastTerminationState.Terminated; last != nil && cs.RestartCount > 0 {
		s += fmt.Sprintf("; it restarted %d times, last exit code %d", cs.RestartCount, last.ExitCode)
		if last.Reason != "" {
			s += " (" + last.Reason + ")"
		}
	}
	return s
}

// sentence ends a message from Kubernetes with a full stop, so another sentence can follow.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}
