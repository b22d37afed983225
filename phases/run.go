package phases

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// Pipeline is the ordered list of steps the machine runs on every reconcile.
type Pipeline struct {
	// Steps are the main phases, in order; each fires its event when done.
	Steps []Step
	// SubPhases run only once the server is Serving; a failure degrades it.
	SubPhases []Step
}

// Result is the phase derived from this pass and when to look again.
type Result struct {
	Phase        v1alpha1.Phase
	RequeueAfter time.Duration
}

// failure is the first step that is not done; it explains Ready and Degraded.
type failure struct {
	condition, reason, message string
}

// Run derives the phase from what the steps observe. The machine starts at Pending and advances
// one event per completed step. The only fact carried over from earlier reconciles is whether the
// server has served (status.servedAt): after that, a step that is not done degrades the DittoFS
// instead of sending it back to an earlier phase.
func (p Pipeline) Run(ctx context.Context, s *Scope) (Result, error) {
	d := s.DittoFS
	machine := NewMachine(v1alpha1.PhasePending)
	var (
		firstFailure *failure
		firstErr     error
		requeue      time.Duration
	)

	runStep := func(step Step) bool {
		if firstFailure != nil {
			SetCondition(d, step.Condition(), metav1.ConditionUnknown, v1alpha1.ReasonWaitingForPreviousStep,
				fmt.Sprintf("Waiting for %s.", firstFailure.condition))
			return false
		}
		out, err := step.Reconcile(ctx, s)
		if err != nil {
			out = Waiting(v1alpha1.ReasonReconcileError, err.Error())
			if firstErr == nil {
				firstErr = fmt.Errorf("%s: %w", step.Condition(), err)
			}
		}
		requeue = earliest(requeue, out.RequeueAfter)
		if !out.Done {
			SetCondition(d, step.Condition(), metav1.ConditionFalse, out.Reason, out.Message)
			firstFailure = &failure{condition: step.Condition(), reason: out.Reason, message: out.Message}
			return false
		}
		SetCondition(d, step.Condition(), metav1.ConditionTrue, out.Reason, out.Message)
		return true
	}

	for _, step := range p.Steps {
		if runStep(step) {
			if err := machine.Event(ctx, step.Event()); err != nil {
				return Result{}, fmt.Errorf("phase machine: %w", err)
			}
		}
	}
	if machine.Is(string(v1alpha1.PhaseServing)) && d.Status.ServedAt == nil {
		now := metav1.NewTime(s.Now())
		d.Status.ServedAt = &now
	}
	for _, sub := range p.SubPhases {
		runStep(sub)
	}

	if firstFailure != nil && d.Status.ServedAt != nil {
		if err := machine.Event(ctx, EventDegrade); err != nil {
			return Result{}, fmt.Errorf("phase machine: %w", err)
		}
	}
	phase := v1alpha1.Phase(machine.Current())
	setSummaryConditions(d, phase, firstFailure)
	return Result{Phase: phase, RequeueAfter: requeue}, firstErr
}

// setSummaryConditions sets Degraded and Ready from the first step that is not done.
func setSummaryConditions(d *v1alpha1.DittoFS, phase v1alpha1.Phase, f *failure) {
	if phase == v1alpha1.PhaseDegraded {
		SetCondition(d, v1alpha1.ConditionDegraded, metav1.ConditionTrue, f.reason,
			fmt.Sprintf("%s is not met: %s", f.condition, f.message))
	} else {
		SetCondition(d, v1alpha1.ConditionDegraded, metav1.ConditionFalse, "NotDegraded", "")
	}
	if f == nil {
		SetCondition(d, v1alpha1.ConditionReady, metav1.ConditionTrue, "Ready", "The server is serving and matches the spec.")
		return
	}
	SetCondition(d, v1alpha1.ConditionReady, metav1.ConditionFalse, f.reason, fmt.Sprintf("%s: %s", f.condition, f.message))
}

// earliest returns the sooner of two requeue delays, where zero means none.
func earliest(a, b time.Duration) time.Duration {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}
