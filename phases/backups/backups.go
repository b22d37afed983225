// Package backups is the BackupsReady sub-phase: each share's snapshot schedule, its on-demand
// snapshots and its restore, as declared in spec.shares[], carried out on the server through
// its REST API. It runs after the shares sub-phase, against shares that exist.
//
// Exactly once: an on-demand snapshot is found again on the server by its name (k8s-<request>),
// and a restore is driven by a write-ahead ledger kept on the server (internal/restoreledger),
// so neither is repeated after an operator restart, a lost status or a re-created DittoFS.
// Ownership: the operator manages a share's snapshot policy only when it created it (the policy
// carries the operator's name prefix); a policy made by hand is reported and left alone, except
// that a restore pauses it for its duration, as it must.
package backups

import (
	"context"
	"sync"
	"time"

	"k8s.io/client-go/tools/events"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/restoreledger"
	"github.com/dittofs/dittofs-operator/phases"
	"github.com/dittofs/dittofs-operator/phases/server"
)

// stepName keys this sub-phase's backoff in the server session.
const stepName = "backups"

// inProgressPoll is how soon to look again while a snapshot or a restore is under way: the
// server's progress cannot be watched.
const inProgressPoll = 2 * time.Second

// FaultHook is called right after each restore step is recorded in the ledger and before the
// next is acted on. Tests use it to stop the operator at every step boundary, as a crash would;
// a non-nil error ends the pass there. ctx is the pass's: a hook that waits for it to end
// stands for a process that dies at that point.
type FaultHook func(ctx context.Context, share string, step restoreledger.Step) error

// Step is the backups sub-phase.
type Step struct {
	access   server.Access
	recorder events.EventRecorder
	fault    FaultHook
	calls    restoreCalls
	once     sync.Once
	sessions server.Sessions
}

// New returns the backups sub-phase; the zero Access is production.
func New(access server.Access) *Step { return &Step{access: access} }

// RecordTo makes the step record events (the start and end of every snapshot and restore) on
// the DittoFS with the reconciler's recorder, and returns the step.
func (b *Step) RecordTo(recorder events.EventRecorder) *Step {
	b.recorder = recorder
	return b
}

// WithFaultHook installs a FaultHook (tests only) and returns the step.
func (b *Step) WithFaultHook(h FaultHook) *Step {
	b.fault = h
	return b
}

// Condition is BackupsReady.
func (*Step) Condition() string { return v1alpha1.ConditionBackupsReady }

// Reconcile converges every share's backups; see phases.Step.
func (b *Step) Reconcile(ctx context.Context, s *phases.Scope) (phases.Outcome, error) {
	b.once.Do(func() { b.access = b.access.WithDefaults() })
	d := s.DittoFS
	shares := sharesWithBackups(d)
	if len(shares) == 0 {
		d.Status.Backups, d.Status.LastBackupAt = nil, nil
		return phases.Done(v1alpha1.ReasonNoBackups, "No share declares snapshots or a restore."), nil
	}
	username, password, err := server.AdminCredentials(ctx, s.Client, d)
	if err != nil {
		return phases.Outcome{}, phases.RetryBlocked(err, b.access.RetryAfter)
	}
	loc := b.access.Where(s) // with the CA of the TLS Secret, when the API serves HTTPS
	sess, err := b.sessions.Get(d, loc, username, password, b.access.Timeout)
	if err != nil {
		return phases.Outcome{}, err
	}
	c := &converger{step: b, s: s, d: d, api: sess.Client, loc: loc, now: s.Now}
	out, err := c.run(ctx, shares)
	backoff := sess.Backoff(stepName)
	if blocked := phases.AsBlocked(err); blocked != nil && blocked.RequeueAfter == 0 {
		err = phases.RetryBlocked(err, backoff.Next(b.access.RetryAfter, b.access.MaxRetryAfter))
	} else if err == nil {
		backoff.Reset()
	}
	return out, err
}
