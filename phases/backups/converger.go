package backups

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/internal/restoreledger"
	"github.com/dittofs/dittofs-operator/phases"
	"github.com/dittofs/dittofs-operator/phases/server"
)

// converger does one pass of the sub-phase against one server.
type converger struct {
	step *Step
	s    *phases.Scope
	d    *v1alpha1.DittoFS
	api  *dittofsapi.Client
	loc  server.Location
	now  func() time.Time
}

// shareWork is one share the pass looks at: its spec (nil once removed from the spec) and what
// the status last said about it.
type shareWork struct {
	name     string
	spec     *v1alpha1.ShareSpec
	previous *v1alpha1.ShareBackupStatus
}

// sharesWithBackups lists the shares that declare snapshots or a restore, and those that
// status.backups still reports (a schedule or requests removed from the spec are undone there).
func sharesWithBackups(d *v1alpha1.DittoFS) []shareWork {
	var out []shareWork
	seen := map[string]bool{}
	previous := map[string]*v1alpha1.ShareBackupStatus{}
	for i := range d.Status.Backups {
		previous[d.Status.Backups[i].Share] = &d.Status.Backups[i]
	}
	for i := range d.Spec.Shares {
		sp := &d.Spec.Shares[i]
		if sp.Snapshots == nil && sp.Restore == nil && previous[sp.Name] == nil {
			continue
		}
		seen[sp.Name] = true
		out = append(out, shareWork{name: sp.Name, spec: sp, previous: previous[sp.Name]})
	}
	for i := range d.Status.Backups {
		if p := &d.Status.Backups[i]; !seen[p.Share] {
			out = append(out, shareWork{name: p.Share, previous: p})
		}
	}
	return out
}

// shareResult is what one share's pass found: its status entry (nil: drop it) and, when it is
// not done, why.
type shareResult struct {
	status  *v1alpha1.ShareBackupStatus
	blocked *phases.Blocked
	// inProgress: a snapshot or restore is under way; look again soon.
	inProgress bool
}

// run converges each share and writes status.backups.
func (c *converger) run(ctx context.Context, work []shareWork) (phases.Outcome, error) {
	var (
		statuses []v1alpha1.ShareBackupStatus
		problems []*phases.Blocked
		busy     bool
		requeue  = c.step.access.ResyncAfter
	)
	for _, w := range work {
		res, err := c.share(ctx, w)
		if err != nil {
			if server.Fatal(err) || phases.AsBlocked(err) == nil {
				// Keep what was last observed: the server cannot be asked now.
				return phases.Outcome{}, server.Failure(err, "converging the backups of share "+w.name, c.d, c.loc, c.step.access)
			}
			return phases.Outcome{}, err
		}
		if res.status != nil {
			statuses = append(statuses, *res.status)
			if sch := scheduleOf(w.spec); sch != nil && sch.Interval.Duration < requeue {
				requeue = sch.Interval.Duration // the stalled-schedule check needs a look per interval
			}
		}
		if res.blocked != nil {
			problems = append(problems, res.blocked)
		}
		busy = busy || res.inProgress
	}
	setBackupStatuses(c.d, statuses)
	if busy {
		requeue = inProgressPoll
	}
	if len(problems) > 0 {
		// A failure outranks a restore in progress: the restore is planned and must not hide it.
		sort.SliceStable(problems, func(i, j int) bool { return !problems[i].Planned && problems[j].Planned })
		first := *problems[0]
		if len(problems) > 1 {
			msgs := make([]string, len(problems))
			for i, p := range problems {
				msgs[i] = p.Message
			}
			first.Message = strings.Join(msgs, " ")
		}
		if first.RequeueAfter == 0 && busy {
			first.RequeueAfter = inProgressPoll
		}
		return phases.Outcome{}, &first
	}
	out := phases.Done(v1alpha1.ReasonBackupsReady, fmt.Sprintf("Backups of %d shares match the spec.", len(statuses)))
	out.RequeueAfter = requeue
	return out, nil
}

// share converges one share: its restore first (it decides whether the policy may run), then the
// policy and the on-demand snapshots. A *phases.Blocked error stops the whole pass; problems of
// this share alone are in the result.
func (c *converger) share(ctx context.Context, w shareWork) (shareResult, error) {
	ledger, err := restoreledger.Read(ctx, c.api, w.name)
	if err != nil {
		return shareResult{}, err
	}
	snaps, err := c.api.ListSnapshots(ctx, w.name)
	if err != nil {
		return shareResult{}, err
	}
	st := &v1alpha1.ShareBackupStatus{Share: w.name}
	var res shareResult

	rs, err := c.restore(ctx, w, ledger, snaps)
	if err := res.note(err); err != nil {
		return shareResult{}, err
	}
	st.Restore = rs
	var before *v1alpha1.RestoreStatus
	if w.previous != nil {
		before = w.previous.Restore
	}
	c.restoreEvents(w.name, before, rs)
	restoring := ledger.Current != nil && ledger.Current.Step.InFlight()

	st.Policy, err = c.schedule(ctx, w, snaps, restoring)
	if err := res.note(err); err != nil {
		return shareResult{}, err
	}
	onDemand, busy, err := c.onDemand(ctx, w, snaps, restoring)
	if err := res.note(err); err != nil {
		return shareResult{}, err
	}
	st.OnDemand = onDemand
	res.inProgress = restoring || busy

	summarise(st, snaps)
	if w.spec == nil && len(st.OnDemand) == 0 && !restoring && st.Policy != policyActive {
		return res, nil // removed from the spec and nothing left to undo: drop the entry
	}
	res.status = st
	return res, nil
}

// note keeps the first *phases.Blocked problem of the share and returns any other error.
func (r *shareResult) note(err error) error {
	b := phases.AsBlocked(err)
	if err != nil && b == nil {
		return err
	}
	if b != nil && r.blocked == nil {
		r.blocked = b
	}
	return nil
}

// schedule converges the share's policy, held paused while a restore runs, and reports a
// schedule that stopped producing snapshots.
func (c *converger) schedule(ctx context.Context, w shareWork, snaps []dittofsapi.Snapshot, restoring bool) (string, error) {
	if restoring {
		return policyPaused, nil
	}
	policy, err := c.policy(ctx, w, snaps)
	if err != nil || policy != policyActive {
		return policy, err
	}
	if b := scheduleStalled(w, snaps, c.now()); b != nil {
		return policy, b
	}
	return policy, nil
}

// summarise fills the counts and the last snapshots from the server's list.
func summarise(st *v1alpha1.ShareBackupStatus, snaps []dittofsapi.Snapshot) {
	var lastOK time.Time
	for i := range snaps {
		sn := &snaps[i]
		if sn.State == dittofsapi.SnapshotReady && sn.CreatedAt.After(lastOK) {
			lastOK = sn.CreatedAt
		}
		if !sn.Scheduled {
			continue
		}
		switch sn.State {
		case dittofsapi.SnapshotReady:
			st.Scheduled.Ready++
		case dittofsapi.SnapshotCreating:
			st.Scheduled.Creating++
		case dittofsapi.SnapshotFailed:
			st.Scheduled.Failed++
		}
		if st.LastScheduled == nil || sn.CreatedAt.After(st.LastScheduled.CreatedAt.Time) {
			st.LastScheduled = record(sn)
		}
	}
	if !lastOK.IsZero() {
		t := metav1.NewTime(lastOK.UTC().Truncate(time.Second))
		st.LastSuccessfulAt = &t
	}
}

// record is a snapshot as status shows it; times are cut to seconds, as the API stores them.
func record(sn *dittofsapi.Snapshot) *v1alpha1.SnapshotRecord {
	r := &v1alpha1.SnapshotRecord{ID: sn.ID, State: sn.State, RemoteDurable: sn.RemoteDurable, Message: phases.Truncate(sn.Error, 512)}
	if !sn.CreatedAt.IsZero() {
		t := metav1.NewTime(sn.CreatedAt.UTC().Truncate(time.Second))
		r.CreatedAt = &t
	}
	if sn.State != dittofsapi.SnapshotCreating && !sn.UpdatedAt.IsZero() {
		t := metav1.NewTime(sn.UpdatedAt.UTC().Truncate(time.Second))
		r.CompletedAt = &t
	}
	return r
}

// setBackupStatuses writes status.backups in a stable order and the newest successful backup.
func setBackupStatuses(d *v1alpha1.DittoFS, statuses []v1alpha1.ShareBackupStatus) {
	sort.Slice(statuses, func(i, j int) bool { return statuses[i].Share < statuses[j].Share })
	d.Status.Backups = statuses
	d.Status.LastBackupAt = nil
	for i := range statuses {
		if t := statuses[i].LastSuccessfulAt; t != nil && (d.Status.LastBackupAt == nil || t.After(d.Status.LastBackupAt.Time)) {
			d.Status.LastBackupAt = t.DeepCopy()
		}
	}
}

func scheduleOf(sp *v1alpha1.ShareSpec) *v1alpha1.SnapshotSchedule {
	if sp == nil || sp.Snapshots == nil {
		return nil
	}
	return sp.Snapshots.Schedule
}
