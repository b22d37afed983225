package phases

import (
	"context"
	"time"
)

// Step is one phase of the machine, or a sub-phase inside Serving. It observes the world, makes
// the objects it owns converge and reports whether its phase is reached.
type Step interface {
	// Condition is the condition type the step sets on every pass.
	Condition() string
	// Event is the machine event fired when the step is done; "" for a sub-phase, which does not
	// advance the machine but degrades it when it fails.
	Event() string
	// Reconcile converges the step's objects and reports what it observed.
	Reconcile(ctx context.Context, s *Scope) (Outcome, error)
}

// Outcome is what a step observed.
type Outcome struct {
	// Done means the step's phase is reached.
	Done bool
	// Reason is a CamelCase word for the condition; Message tells a person what to do or wait for.
	Reason  string
	Message string
	// RequeueAfter asks for another look at something that cannot be watched (a clock, a REST API).
	RequeueAfter time.Duration
}

// Done reports a reached phase.
func Done(reason, message string) Outcome {
	return Outcome{Done: true, Reason: reason, Message: message}
}

// Waiting reports a phase not reached yet.
func Waiting(reason, message string) Outcome {
	return Outcome{Reason: reason, Message: message}
}
