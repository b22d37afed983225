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
	Steps []MainStep
	// SubPhases run only once the server is Serving; a failure degrades it.
	SubPhases []Step
	// Machine is derived from Steps (see NewPipeline).
	Machine Machine
}

// Result is the phase derived from this pass and when to look again.
type Result struct {
	Phase        v1alpha1.Phase
	RequeueAfter time.Duration
}

// failure is the first step that is not done; it explains Ready and Degraded.
type failure struct {
	condition, reason, message string
	// planned: a change the user asked for is in progress (Blocked.Planned); it never degrades.
	planned bool
}

// Run derives the phase from what the steps observe. The machine starts at Pending and advances
// one event per completed step. The only fact carried over from earlier reconciles is whether the
// server has served (status.servedAt): after that, a step that is not done degrades the DittoFS
// instead of sending it back to an earlier phase, unless what it waits for is planned (a
// rollout), which keeps the phase. The server has served once every main step and every
// sub-phase was done in one pass: a new server that its sub-phases cannot configure yet stays in
// the phase before the last, so Degraded always means a server that was fully ready.
func (p Pipeline) Run(ctx context.Context, s *Scope) (Result, error) {
	d := s.DittoFS
	served := d.Status.ServedAt != nil
	var (
		firstFailure *failure
		firstErr     error
		requeue      time.Duration
		// reached lists the phases of the steps done (or planned, once served); their events
		// fire once the sub-phases have run.
		reached []v1alpha1.Phase
	)

	// waiting marks a step that does not run because an earlier one is not done.
	waiting := func(step Step) {
		SetCondition(d, step.Condition(), metav1.ConditionUnknown, v1alpha1.ReasonWaitingForPreviousStep,
			fmt.Sprintf("Waiting for %s.", firstFailure.condition))
		if o, ok := step.(Observer); ok {
			o.NotObserved(s, firstFailure.condition)
		}
	}
	runStep := func(step Step) bool {
		out, err := step.Reconcile(ctx, s)
		if err == nil {
			requeue = earliest(requeue, out.RequeueAfter)
			SetCondition(d, step.Condition(), metav1.ConditionTrue, out.Reason, out.Message)
			return true
		}
		blocked := AsBlocked(err)
		if blocked == nil {
			blocked = &Blocked{Reason: v1alpha1.ReasonReconcileError, Message: err.Error()}
			if firstErr == nil {
				firstErr = fmt.Errorf("%s: %w", step.Condition(), err)
			}
		}
		requeue = earliest(requeue, blocked.RequeueAfter)
		SetCondition(d, step.Condition(), metav1.ConditionFalse, blocked.Reason, blocked.Message)
		if firstFailure == nil {
			firstFailure = &failure{condition: step.Condition(), reason: blocked.Reason, message: blocked.Message, planned: blocked.Planned}
		}
		return false
	}

	for _, step := range p.Steps {
		if firstFailure != nil {
			waiting(step)
			continue
		}
		// A planned block of a server that has served keeps the step's phase: what the step
		// reached is in place, and is being changed on purpose.
		if runStep(step) || (served && firstFailure.planned) {
			reached = append(reached, step.Phase())
		}
	}
	// Sub-phases configure the server through its REST API. They run once the main steps are
	// done, and also when only the last one (the server) is not, provided the server runs: a
	// server can need its configuration to become ready (readiness checks the NFS port, and which
	// adapters listen where is kept in the server's own database).
	serverUp := firstFailure == nil ||
		(s.ServerStarted && len(p.Steps) > 0 && firstFailure.condition == p.Steps[len(p.Steps)-1].Condition())
	for _, sub := range p.SubPhases {
		if !serverUp {
			waiting(sub)
			continue
		}
		runStep(sub)
	}

	phase, err := p.advance(ctx, s, reached, firstFailure)
	if err != nil {
		return Result{}, err
	}
	setSummaryConditions(d, phase, firstFailure)
	setProgressConditions(d, firstFailure)
	return Result{Phase: phase, RequeueAfter: requeue}, firstErr
}

// advance runs the machine from Pending through the phases reached, and sets servedAt the first
// time it reaches the last with nothing left undone, sub-phases included. Once served, an
// unplanned failure degrades.
func (p Pipeline) advance(ctx context.Context, s *Scope, reached []v1alpha1.Phase, f *failure) (v1alpha1.Phase, error) {
	d := s.DittoFS
	served := d.Status.ServedAt != nil
	machine := p.Machine.At(v1alpha1.PhasePending)
	for _, phase := range reached {
		if phase == p.Machine.Served && !served && f != nil {
			break // the first Serving waits for the sub-phases too
		}
		if err := machine.Event(ctx, ReachEvent(phase)); err != nil {
			return "", fmt.Errorf("phase machine: %w", err)
		}
	}
	if machine.Is(string(p.Machine.Served)) && !served && f == nil {
		now := metav1.NewTime(s.Now())
		d.Status.ServedAt = &now
	}
	if f != nil && served && !f.planned {
		if err := machine.Event(ctx, EventDegrade); err != nil {
			return "", fmt.Errorf("phase machine: %w", err)
		}
	}
	return v1alpha1.Phase(machine.Current()), nil
}

// setSummaryConditions sets Degraded and Ready from the first step that is not done.
func setSummaryConditions(d *v1alpha1.DittoFS, phase v1alpha1.Phase, f *failure) {
	if phase == v1alpha1.PhaseDegraded {
		SetCondition(d, v1alpha1.ConditionDegraded, metav1.ConditionTrue, f.reason,
			fmt.Sprintf("%s is not met: %s", f.condition, f.message))
	} else {
		SetCondition(d, v1alpha1.ConditionDegraded, metav1.ConditionFalse, v1alpha1.ReasonNotDegraded, "")
	}
	if f == nil {
		SetCondition(d, v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonReady, "The server is serving and matches the spec.")
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
