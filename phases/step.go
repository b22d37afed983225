package phases

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Step is one phase of the machine, or a sub-phase inside Serving. It observes the world, makes
// the objects it owns converge and reports whether its phase is reached.
//
// One idiom says "not done": Reconcile (and every helper under it) returns a *Blocked error with
// a reason and a message. Any other error is a failure of the reconcile itself (the API server
// refused a write, say) and is retried by controller-runtime with its backoff.
type Step interface {
	// Condition is the condition type the step sets on every pass.
	Condition() string
	// Reconcile converges the step's objects. It returns what it observed when the phase is
	// reached, a *Blocked error when it is not, or another error when the pass failed.
	Reconcile(ctx context.Context, s *Scope) (Outcome, error)
}

// Observer is a step whose status fields report what it last observed outside Kubernetes (the
// shares sub-phase and status.shares). The runner calls NotObserved on a pass that does not run
// it, so that the status never shows as observed what was not looked at.
type Observer interface {
	// NotObserved marks the step's observations as not known, because the condition named
	// waitingFor is not met.
	NotObserved(s *Scope, waitingFor string)
}

// Outcome is what a step that is done observed.
type Outcome struct {
	// Reason is a CamelCase word for the condition (a v1alpha1.Reason* constant); Message tells
	// a person what the step found.
	Reason  string
	Message string
	// RequeueAfter asks for another look at something that cannot be watched (a clock, a REST API).
	RequeueAfter time.Duration
}

// Done reports a reached phase.
func Done(reason, message string) Outcome {
	return Outcome{Reason: reason, Message: message}
}

// Blocked is the error of a step that is not done: what it waits for, or what the user must fix.
// It is the expected state of a step, not a failure of the reconcile: the condition says why, and
// the watch (or RequeueAfter, for what cannot be watched) brings the operator back.
type Blocked struct {
	Reason       string
	Message      string
	RequeueAfter time.Duration
	// Planned marks a step that is not done because of a change the user asked for (a rollout
	// of a new configuration or image), not because something failed. Once the server has
	// served, a planned block keeps the step's phase and does not degrade the DittoFS; Ready is
	// still False with its reason. Set it with Planned, never by reason.
	Planned bool
}

func (b *Blocked) Error() string { return b.Reason + ": " + b.Message }

// Block returns a *Blocked error; the message is formatted like fmt.Sprintf.
func Block(reason, format string, args ...any) error {
	return &Blocked{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Planned returns a *Blocked error for a change in progress that the user asked for; see
// Blocked.Planned.
func Planned(reason, format string, args ...any) error {
	return &Blocked{Reason: reason, Message: fmt.Sprintf(format, args...), Planned: true}
}

// AsBlocked returns the *Blocked inside err, or nil when err is nil or another error.
func AsBlocked(err error) *Blocked {
	var b *Blocked
	if errors.As(err, &b) {
		return b
	}
	return nil
}

// RetryBlocked returns a blocked step's error asking to look again after the given delay (or
// sooner, if it already asked); other errors pass unchanged.
func RetryBlocked(err error, after time.Duration) error {
	b := AsBlocked(err)
	if b == nil {
		return err
	}
	retry := *b
	retry.RequeueAfter = earliest(b.RequeueAfter, after)
	return &retry
}
