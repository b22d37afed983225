package phases

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/kube"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// +kubebuilder:rbac:groups=apps,resources=statefulsets,verbs=get;list;watch;create;update
// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch;create;update
// +kubebuilder:rbac:groups="",resources=pods,verbs=list;watch

// Serving runs the server (one-replica StatefulSet), its API and data-plane Services, and is done
// when the pod is ready on the current configuration. It reports the endpoints in status.
type Serving struct{}

// Condition is the condition type this step sets.
func (Serving) Condition() string { return v1alpha1.ConditionServing }

// Phase is the phase reached when this step is done.
func (Serving) Phase() v1alpha1.Phase { return v1alpha1.PhaseServing }

// Reconcile converges what the step owns; see Step.
func (Serving) Reconcile(ctx context.Context, s *Scope) (Outcome, error) {
	d := s.DittoFS
	sts := specs.StatefulSet(d, specs.PodInputs{ConfigHash: s.ConfigHash, DatabaseEnv: s.DatabaseEnv, DefaultImage: s.DefaultImage})
	apiSvc := specs.APIService(d)
	dataSvc := specs.DataService(d)
	if _, err := ensureOwned(ctx, s, apiSvc, kube.PreserveServiceAllocations); err != nil {
		return Outcome{}, err
	}
	// What follows reads the objects as the API server returned them: right after a create the
	// cache may not hold them yet, and that is no reason to fail the pass.
	dataSvc, err := ensureOwned(ctx, s, dataSvc, kube.PreserveServiceAllocations)
	if err != nil {
		return Outcome{}, err
	}
	if err := ensureNetworkPolicy(ctx, s); err != nil {
		return Outcome{}, err
	}
	live, err := ensureOwned(ctx, s, sts, nil)
	if err != nil {
		return Outcome{}, err
	}

	d.Status.Endpoints.API = fmt.Sprintf("%s.%s.svc:%d", apiSvc.Name, d.Namespace, specs.APIPort)
	requeue, err := reportDataEndpoints(ctx, s, dataSvc)
	if err != nil {
		return Outcome{}, err
	}

	pod, err := serverPod(ctx, s)
	if err != nil {
		return Outcome{}, err
	}
	s.ServerStarted = serverStarted(pod)
	s.ServerInstance = serverInstance(pod)
	if err := statefulSetReadiness(d, live, pod, s.Now()); err != nil {
		return Outcome{}, RetryBlocked(err, requeue)
	}
	out := Done(v1alpha1.ReasonServerReady, fmt.Sprintf("Pod %s is ready.", specs.PodName(d)))
	out.RequeueAfter = requeue
	return out, nil
}

// statefulSetReadiness is nil when the one pod runs the current template and is ready. When it
// is not, it says why: a pod problem (crash loop, image pull, OOM, unschedulable) first, since
// it is a failure even in the middle of a rollout; then a rollout in progress, which is planned
// (the user changed the spec, or the operator's default image changed); then a pod that is
// simply not ready.
func statefulSetReadiness(d *v1alpha1.DittoFS, sts *appsv1.StatefulSet, pod *corev1.Pod, now time.Time) error {
	if err := podProblem(pod); err != nil {
		return err
	}
	if err := rolloutStuck(sts, pod, now); err != nil {
		return err
	}
	if err := rollingOut(sts, pod); err != nil {
		// A new pod that stays unready sends no event: look again when its deadline passes.
		if pod != nil && pod.Labels[appsv1.ControllerRevisionHashLabelKey] == sts.Status.UpdateRevision {
			if left := RolloutDeadline - now.Sub(pod.CreationTimestamp.Time); left > 0 {
				err = RetryBlocked(err, left+time.Second)
			}
		}
		return err
	}
	if sts.Status.ReadyReplicas < 1 {
		return Block(v1alpha1.ReasonPodNotReady, "Waiting for pod %s to become ready: %s.", specs.PodName(d), podState(pod, specs.PodName(d)))
	}
	return nil
}

// rollingOut is a planned *Blocked error while the StatefulSet replaces the server pod with a
// newer template, or nil. A StatefulSet that has never observed a spec (observedGeneration 0)
// is being created, not rolled out: its pod is waited for as PodNotReady.
func rollingOut(sts *appsv1.StatefulSet, pod *corev1.Pod) error {
	st := sts.Status
	switch {
	case st.ObservedGeneration > 0 && st.ObservedGeneration < sts.Generation:
		return Planned(v1alpha1.ReasonRollingOut, "StatefulSet %s has not yet seen its latest spec.", sts.Name)
	case st.UpdateRevision == "":
		return nil
	case st.CurrentRevision != "" && st.CurrentRevision != st.UpdateRevision,
		pod != nil && pod.Labels[appsv1.ControllerRevisionHashLabelKey] != st.UpdateRevision:
		return Planned(v1alpha1.ReasonRollingOut, "StatefulSet %s is replacing the server pod with the new configuration.", sts.Name)
	}
	return nil
}

// RolloutDeadline is how long a new server pod may take to become ready before the rollout is
// reported as stuck rather than in progress (Deployments' default progress deadline).
const RolloutDeadline = 10 * time.Minute

// rolloutStuck is an unplanned *Blocked error when the pod on the newest template has existed
// for RolloutDeadline without becoming ready, with none of the failures podProblem names: a
// rollout that will not finish by itself is a failure to fix, not work in progress.
func rolloutStuck(sts *appsv1.StatefulSet, pod *corev1.Pod, now time.Time) error {
	rev := sts.Status.UpdateRevision
	if pod == nil || rev == "" || pod.Labels[appsv1.ControllerRevisionHashLabelKey] != rev || podReady(pod) {
		return nil
	}
	if sts.Status.CurrentRevision == rev || sts.Status.CurrentRevision == "" {
		return nil // not a rollout: the first pod, or one that restarts, is PodNotReady
	}
	age := now.Sub(pod.CreationTimestamp.Time)
	if age < RolloutDeadline {
		return nil
	}
	return Block(v1alpha1.ReasonRolloutStuck,
		"The new server pod %s has not become ready within %s of its creation (%s); the rollout will not finish by itself: look at the pod's events and logs, or revert the change to the spec.",
		pod.Name, RolloutDeadline, podState(pod, pod.Name))
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
