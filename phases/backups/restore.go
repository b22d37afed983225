package backups

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/internal/restoreledger"
	"github.com/dittofs/dittofs-operator/phases"
)

// unclearAttemptsBeforeFailed is how many restore calls without a clear answer (a 500, a lost
// connection) the operator makes before it reports the restore as failing. It keeps trying: the
// share is offline, and repeating a restore onto a share no client can reach loses nothing.
const unclearAttemptsBeforeFailed = 3

// restore drives the share's restore from its ledger: it starts the one the spec asks for if it
// has not run, and carries an unfinished one to its end even if its request was removed (a
// restore that may have begun changing the data is finished, never abandoned half way). Every
// step is recorded in the ledger before it is acted on, and decided from the ledger and the
// server on every pass, so a crash at any point resumes where it stopped.
func (c *converger) restore(ctx context.Context, w shareWork, l *restoreledger.Ledger, snaps []dittofsapi.Snapshot) (*v1alpha1.RestoreStatus, error) {
	var req *v1alpha1.ShareRestore
	if w.spec != nil {
		req = w.spec.Restore
	}
	cur := l.Current
	if cur == nil || !cur.Step.InFlight() {
		if req == nil {
			return nil, nil
		}
		if l.Finished(req.Name) {
			return restoreStatus(l, req.Name), restoreOutcome(l, req.Name, w.name)
		}
		started, err := c.beginRestore(ctx, w, req, l, snaps)
		if started == nil {
			return &v1alpha1.RestoreStatus{Name: req.Name, Step: v1alpha1.RestorePending, Message: messageOf(err)}, err
		}
		cur = started
	}

	for cur.Step.InFlight() {
		var err error
		switch cur.Step {
		case restoreledger.Quiescing:
			err = c.quiesce(ctx, w.name, l)
		case restoreledger.Restoring:
			err = c.runRestore(ctx, w.name, l)
		case restoreledger.Restored:
			err = c.reopen(ctx, w.name, l)
		}
		if err != nil {
			return restoreStatus(l, cur.Name), err
		}
	}
	return restoreStatus(l, cur.Name), restoreOutcome(l, cur.Name, w.name)
}

// beginRestore checks what a restore needs and records its start: nil when it cannot start yet
// (the error says why).
func (c *converger) beginRestore(ctx context.Context, w shareWork, req *v1alpha1.ShareRestore, l *restoreledger.Ledger, snaps []dittofsapi.Snapshot) (*restoreledger.Restore, error) {
	id := req.SnapshotID
	if req.Snapshot != "" {
		sn := findOnDemand(snaps, req.Snapshot)
		switch {
		case sn == nil || sn.State == dittofsapi.SnapshotCreating:
			return nil, &phases.Blocked{Reason: v1alpha1.ReasonSnapshotInProgress, RequeueAfter: inProgressPoll,
				Message: fmt.Sprintf("Restore %s of share %s waits for snapshot %s to be taken.", req.Name, w.name, req.Snapshot)}
		case sn.State == dittofsapi.SnapshotFailed:
			return nil, phases.Block(v1alpha1.ReasonRestoreFailed,
				"Restore %s of share %s names snapshot %s, which failed; name another snapshot under a new restore name.", req.Name, w.name, req.Snapshot)
		}
		id = sn.ID
	}
	var snap *dittofsapi.Snapshot
	for i := range snaps {
		if snaps[i].ID == id {
			snap = &snaps[i]
		}
	}
	switch {
	case snap == nil:
		return nil, phases.Block(v1alpha1.ReasonRestoreSnapshotNotFound,
			"Restore %s of share %s names snapshot id %s, which the server does not have; see the share's snapshots on the server.", req.Name, w.name, id)
	case snap.State != dittofsapi.SnapshotReady:
		return nil, &phases.Blocked{Reason: v1alpha1.ReasonSnapshotInProgress, RequeueAfter: inProgressPoll,
			Message: fmt.Sprintf("Restore %s of share %s waits for snapshot %s to be ready (it is %s).", req.Name, w.name, id, snap.State)}
	case !snap.RemoteDurable && !req.AllowNonDurable:
		return nil, phases.Block(v1alpha1.ReasonRestoreFailed,
			"Restore %s of share %s: snapshot %s is not remote-durable (its blocks are not all confirmed in S3; a share without S3 never is). Set allowNonDurable under a new restore name to restore it anyway.", req.Name, w.name, id)
	}
	l.Begin(restoreledger.Restore{Name: req.Name, SnapshotID: id, Step: restoreledger.Quiescing,
		AllowNonDurable: req.AllowNonDurable, StartedAt: c.now().UTC().Truncate(time.Second)})
	if err := c.record(ctx, w.name, l); err != nil {
		return nil, err
	}
	return l.Current, nil
}

// quiesce pauses the share's policy, takes the share offline and waits until no snapshot of it
// is being taken (a scheduled one would fail the restore, or capture a half-restored tree).
func (c *converger) quiesce(ctx context.Context, share string, l *restoreledger.Ledger) error {
	cur := l.Current
	policy, err := c.api.GetSnapshotPolicy(ctx, share)
	if err != nil && !dittofsapi.IsNotFound(err) {
		return err
	}
	if policy != nil && policy.Enabled {
		// Remember first that it was enabled, so it is enabled again even after a crash here.
		if !cur.PolicyWasEnabled {
			cur.PolicyWasEnabled = true
			if err := c.record(ctx, share, l); err != nil {
				return err
			}
		}
		if _, err := c.api.PutSnapshotPolicy(ctx, share, policySpec(policy, false)); err != nil {
			return err
		}
	}
	sh, err := c.api.GetShare(ctx, share)
	if err != nil {
		return err
	}
	if sh.Enabled {
		if _, err := c.api.DisableShare(ctx, share); err != nil {
			return err
		}
	}
	snaps, err := c.api.ListSnapshots(ctx, share)
	if err != nil {
		return err
	}
	for _, sn := range snaps {
		if sn.State == dittofsapi.SnapshotCreating {
			return phases.Planned(v1alpha1.ReasonRestoring,
				"Restore %s of share %s: the share is offline; waiting for snapshot %s to finish before restoring.", cur.Name, share, sn.ID)
		}
	}
	cur.Step = restoreledger.Restoring
	return c.record(ctx, share, l)
}

// runRestore calls the server's restore. Only a clear answer moves the ledger on: success to
// Restored, a refusal made before anything changed (snapshot gone, not durable) to Failed with
// the share back online. Anything else may mean the restore ran, partly or fully: the share
// stays offline and the call is repeated, which is harmless while no client can write.
func (c *converger) runRestore(ctx context.Context, share string, l *restoreledger.Ledger) error {
	cur := l.Current
	key := fmt.Sprintf("%s/%s/%s/%d", c.d.UID, share, cur.Name, cur.Attempts)
	call := c.step.calls.start(ctx, key, func(rctx context.Context) (*dittofsapi.RestoreResult, error) {
		return c.api.RestoreSnapshot(rctx, share, cur.SnapshotID, dittofsapi.RestoreSnapshotRequest{AllowNonDurable: cur.AllowNonDurable})
	})
	if !c.step.calls.finished(key, call) {
		return &phases.Blocked{Reason: v1alpha1.ReasonRestoring, Planned: true, RequeueAfter: inProgressPoll,
			Message: fmt.Sprintf("Restore %s of share %s is running on the server; the share is offline until it ends.", cur.Name, share)}
	}
	res, err := call.res, call.err
	switch {
	case err == nil:
		cur.Step, cur.SafetySnapshotID, cur.Message = restoreledger.Restored, res.SafetySnapshotID, ""
		return c.record(ctx, share, l)
	case dittofsapi.IsNotFound(err) || dittofsapi.IsPreconditionFailed(err):
		cur.Message = fmt.Sprintf("The server refused the restore before changing anything: %v", err)
		return c.fail(ctx, share, l)
	case dittofsapi.IsConflict(err):
		// The share was brought online by hand, or a snapshot started: quiesce again.
		cur.Step, cur.Message = restoreledger.Quiescing, fmt.Sprintf("The server refused the restore for now: %v", err)
		if err := c.record(ctx, share, l); err != nil {
			return err
		}
		return &phases.Blocked{Reason: v1alpha1.ReasonRestoring, Planned: true, RequeueAfter: inProgressPoll,
			Message: fmt.Sprintf("Restore %s of share %s: the share is offline; %s; trying again.", cur.Name, share, cur.Message)}
	}
	cur.Attempts++
	cur.Message = fmt.Sprintf("Restore call %d got no clear answer: %v", cur.Attempts, err)
	if rerr := c.record(ctx, share, l); rerr != nil {
		return rerr
	}
	reason, planned := v1alpha1.ReasonRestoring, true
	if cur.Attempts >= unclearAttemptsBeforeFailed {
		reason, planned = v1alpha1.ReasonRestoreFailed, false
	}
	// Back off: each call makes the server take a safety snapshot first.
	access := c.step.access
	retry := min(access.RetryAfter<<min(cur.Attempts-1, 16), access.MaxRetryAfter)
	return &phases.Blocked{Reason: reason, Planned: planned, RequeueAfter: retry, Message: fmt.Sprintf(
		"Restore %s of share %s: the share stays offline and the restore is retried: %s.", cur.Name, share, cur.Message)}
}

// reopen brings the share back online and its policy back on, then records the restore done.
func (c *converger) reopen(ctx context.Context, share string, l *restoreledger.Ledger) error {
	if err := c.bringBack(ctx, share, l.Current); err != nil {
		return err
	}
	cur := l.Current
	cur.Step, cur.CompletedAt = restoreledger.Completed, c.now().UTC().Truncate(time.Second)
	return c.record(ctx, share, l)
}

// fail ends a restore that changed nothing: the share and its policy come back as they were.
func (c *converger) fail(ctx context.Context, share string, l *restoreledger.Ledger) error {
	if err := c.bringBack(ctx, share, l.Current); err != nil {
		return err
	}
	cur := l.Current
	cur.Step, cur.CompletedAt = restoreledger.Failed, c.now().UTC().Truncate(time.Second)
	return c.record(ctx, share, l)
}

func (c *converger) bringBack(ctx context.Context, share string, cur *restoreledger.Restore) error {
	sh, err := c.api.GetShare(ctx, share)
	if err != nil {
		return err
	}
	if !sh.Enabled {
		if _, err := c.api.EnableShare(ctx, share); err != nil {
			return err
		}
	}
	if !cur.PolicyWasEnabled {
		return nil
	}
	policy, err := c.api.GetSnapshotPolicy(ctx, share)
	if dittofsapi.IsNotFound(err) {
		return nil // removed meanwhile: nothing to turn back on
	}
	if err != nil {
		return err
	}
	if !policy.Enabled {
		if _, err := c.api.PutSnapshotPolicy(ctx, share, policySpec(policy, true)); err != nil {
			return err
		}
	}
	return nil
}

// record writes the ledger, then gives the fault hook its chance to stop the pass.
func (c *converger) record(ctx context.Context, share string, l *restoreledger.Ledger) error {
	if err := restoreledger.Write(ctx, c.api, share, l); err != nil {
		return fmt.Errorf("record restore step %s of share %s on the server: %w", l.Current.Step, share, err)
	}
	if c.step.fault != nil {
		return c.step.fault(ctx, share, l.Current.Step)
	}
	return nil
}

// policySpec is a live policy as a PUT body, enabled or not.
func policySpec(p *dittofsapi.SnapshotPolicy, enabled bool) dittofsapi.SnapshotPolicySpec {
	return dittofsapi.SnapshotPolicySpec{Interval: p.Interval, KeepLast: p.KeepLast, TTL: p.TTL, Enabled: ptr.To(enabled), NamePrefix: p.NamePrefix}
}

// restoreStatus reports the restore called name from the ledger.
func restoreStatus(l *restoreledger.Ledger, name string) *v1alpha1.RestoreStatus {
	cur := l.Current
	if cur == nil || cur.Name != name {
		return &v1alpha1.RestoreStatus{Name: name, Step: v1alpha1.RestoreCompleted,
			Message: "Carried out earlier; the server's restore ledger has no details any more."}
	}
	st := &v1alpha1.RestoreStatus{Name: cur.Name, Step: v1alpha1.RestoreStep(cur.Step), SnapshotID: cur.SnapshotID,
		SafetySnapshotID: cur.SafetySnapshotID, Message: phases.Truncate(cur.Message, 512)}
	if !cur.StartedAt.IsZero() {
		st.StartedAt = ptr.To(metav1.NewTime(cur.StartedAt))
	}
	if !cur.CompletedAt.IsZero() {
		st.CompletedAt = ptr.To(metav1.NewTime(cur.CompletedAt))
	}
	return st
}

// restoreOutcome is the condition a restore gives: in flight is planned work (Restoring, not
// Degraded), failed degrades until the request is removed or renamed, completed is nothing.
func restoreOutcome(l *restoreledger.Ledger, name, share string) error {
	cur := l.Current
	if cur == nil || cur.Name != name {
		return nil
	}
	switch {
	case cur.Step.InFlight():
		return phases.Planned(v1alpha1.ReasonRestoring, "Restore %s of share %s is at step %s; the share is offline until it ends.", name, share, cur.Step)
	case cur.Step == restoreledger.Failed:
		return phases.Block(v1alpha1.ReasonRestoreFailed, "Restore %s of share %s failed: %s. Remove the restore, or give it a new name to try again.", name, share, cur.Message)
	}
	return nil
}

func messageOf(err error) string {
	if b := phases.AsBlocked(err); b != nil {
		return b.Message
	}
	return ""
}

// restoreEvents records the start and the end of a restore, judged from what status said before
// this pass and what the ledger says now rather than at the moment of each step, so a crash
// right after a step still gets its event from the next process (at least once: a lost status
// repeats the end's).
func (c *converger) restoreEvents(share string, before, now *v1alpha1.RestoreStatus) {
	if now == nil || now.Step == v1alpha1.RestorePending {
		return
	}
	fresh := before == nil || before.Name != now.Name || before.Step == v1alpha1.RestorePending
	if fresh && now.StartedAt != nil {
		c.event(corev1.EventTypeNormal, "RestoreStarted", "Restore", "Restore %s of share %s from snapshot %s started: the share is offline until it ends.", now.Name, share, now.SnapshotID)
	}
	if !fresh && before.Step == now.Step {
		return
	}
	switch now.Step {
	case v1alpha1.RestoreCompleted:
		c.event(corev1.EventTypeNormal, "RestoreCompleted", "Restore", "Restore %s of share %s from snapshot %s completed; the share is online again. Safety snapshot of the state before: %s.", now.Name, share, now.SnapshotID, now.SafetySnapshotID)
	case v1alpha1.RestoreFailed:
		c.event(corev1.EventTypeWarning, "RestoreFailed", "Restore", "Restore %s of share %s failed; the share is online with its data unchanged: %s", now.Name, share, now.Message)
	}
}
