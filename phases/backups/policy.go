package backups

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/utils/ptr"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/phases"
)

// policyPrefix is the name prefix of the policies the operator creates: it names their
// scheduled snapshots and tells the operator's policies from those made by hand.
const policyPrefix = "k8s-schedule"

// Values of status.backups[].policy.
const (
	policyNone      = "None"
	policyActive    = "Active"
	policySuspended = "Suspended"
	policyPaused    = "Paused"
	policyForeign   = "Foreign"
)

// policy makes the share's snapshot policy match spec.shares[].snapshots.schedule, and prunes
// scheduled snapshots past maxAge. It returns the policy's state for status.
func (c *converger) policy(ctx context.Context, w shareWork, snaps []dittofsapi.Snapshot) (string, error) {
	want := scheduleOf(w.spec)
	live, err := c.api.GetSnapshotPolicy(ctx, w.name)
	if dittofsapi.IsNotFound(err) {
		live, err = nil, nil
	}
	if err != nil {
		return "", err
	}
	if live != nil && live.NamePrefix != policyPrefix {
		if want != nil {
			return policyForeign, phases.Block(v1alpha1.ReasonPolicyConflict,
				"Share %s has a snapshot policy the operator did not create (name prefix %q); the operator leaves it alone. Delete it on the server to let spec.shares[].snapshots.schedule apply, or remove the schedule from the spec.",
				w.name, live.NamePrefix)
		}
		return policyForeign, nil
	}
	if want == nil {
		if live != nil {
			if err := c.api.DeleteSnapshotPolicy(ctx, w.name); err != nil && !dittofsapi.IsNotFound(err) {
				return "", err
			}
		}
		return policyNone, nil
	}

	desired := dittofsapi.SnapshotPolicySpec{
		Interval:   want.Interval.Duration.String(),
		KeepLast:   int(keepLast(want)),
		Enabled:    ptr.To(!want.Suspend),
		NamePrefix: policyPrefix,
	}
	if live == nil || !samePolicy(live, desired) {
		if _, err := c.api.PutSnapshotPolicy(ctx, w.name, desired); err != nil {
			if dittofsapi.IsBadRequest(err) {
				return "", phases.Block(v1alpha1.ReasonPolicyRejected, "The server refused the snapshot schedule of share %s: %v.", w.name, err)
			}
			return "", err
		}
	}
	if err := c.prune(ctx, w.name, want, snaps); err != nil {
		return "", err
	}
	if want.Suspend {
		return policySuspended, nil
	}
	return policyActive, nil
}

// samePolicy compares what the operator controls; the server echoes intervals as Go durations
// (@daily reads back as 24h0m0s), so they are compared parsed.
func samePolicy(live *dittofsapi.SnapshotPolicy, want dittofsapi.SnapshotPolicySpec) bool {
	have, err := time.ParseDuration(live.Interval)
	wantInterval, _ := time.ParseDuration(want.Interval)
	return err == nil && have == wantInterval &&
		live.KeepLast == want.KeepLast &&
		live.Enabled == *want.Enabled &&
		live.TTL == "" &&
		live.NamePrefix == want.NamePrefix
}

func keepLast(s *v1alpha1.SnapshotSchedule) int32 {
	if s.KeepLast <= 0 {
		return 7
	}
	return s.KeepLast
}

func keepAtLeast(s *v1alpha1.SnapshotSchedule) int {
	if s.KeepAtLeast <= 0 {
		return 1
	}
	return int(s.KeepAtLeast)
}

// prune deletes the operator's scheduled snapshots that the schedule retires (see retired).
func (c *converger) prune(ctx context.Context, share string, want *v1alpha1.SnapshotSchedule, snaps []dittofsapi.Snapshot) error {
	for _, sn := range retired(want, snaps, c.now()) {
		if err := c.api.DeleteSnapshot(ctx, share, sn.ID); err != nil && !dittofsapi.IsNotFound(err) && !dittofsapi.IsConflict(err) {
			return fmt.Errorf("prune scheduled snapshot %s of share %s: %w", sn.ID, share, err)
		}
	}
	return nil
}

// retired lists the operator's scheduled snapshots past maxAge, never the newest keepAtLeast
// ready ones (the server's own ttl prunes by age alone, so a run of failures could leave no
// backup), and the failed ones but the newest (they hold no data and the server never prunes
// them; the newest keeps its error visible).
func retired(want *v1alpha1.SnapshotSchedule, snaps []dittofsapi.Snapshot, now time.Time) []dittofsapi.Snapshot {
	var ready, failed []dittofsapi.Snapshot
	for _, sn := range snaps {
		if !sn.Scheduled || !strings.HasPrefix(sn.Name, policyPrefix) {
			continue
		}
		switch sn.State {
		case dittofsapi.SnapshotReady:
			ready = append(ready, sn)
		case dittofsapi.SnapshotFailed:
			failed = append(failed, sn)
		}
	}
	newestFirst := func(list []dittofsapi.Snapshot) {
		sort.Slice(list, func(i, j int) bool { return list[i].CreatedAt.After(list[j].CreatedAt) })
	}
	newestFirst(ready)
	newestFirst(failed)
	var out []dittofsapi.Snapshot
	if want.MaxAge != nil && len(ready) > keepAtLeast(want) {
		cutoff := now.Add(-want.MaxAge.Duration)
		for _, sn := range ready[keepAtLeast(want):] {
			if sn.CreatedAt.Before(cutoff) {
				out = append(out, sn)
			}
		}
	}
	if len(failed) > 1 {
		out = append(out, failed[1:]...)
	}
	return out
}

// scheduleStalled reports an active schedule whose newest ready snapshot (or, before the first,
// the policy itself) is older than two intervals plus the server's scheduling tick.
func scheduleStalled(w shareWork, snaps []dittofsapi.Snapshot, now time.Time) *phases.Blocked {
	want := scheduleOf(w.spec)
	if want == nil {
		return nil
	}
	var newest time.Time
	var oldestOurs time.Time
	for _, sn := range snaps {
		if !sn.Scheduled || !strings.HasPrefix(sn.Name, policyPrefix) {
			continue
		}
		if oldestOurs.IsZero() || sn.CreatedAt.Before(oldestOurs) {
			oldestOurs = sn.CreatedAt
		}
		if sn.State == dittofsapi.SnapshotReady && sn.CreatedAt.After(newest) {
			newest = sn.CreatedAt
		}
	}
	if newest.IsZero() {
		// No ready snapshot yet: stalled only when scheduled ones exist and all failed, for two
		// intervals. A brand-new policy has none and is not judged.
		if oldestOurs.IsZero() {
			return nil
		}
		newest = oldestOurs
	}
	limit := 2*want.Interval.Duration + time.Minute
	if now.Sub(newest) <= limit {
		return nil
	}
	return &phases.Blocked{Reason: v1alpha1.ReasonScheduleStalled, Message: fmt.Sprintf(
		"The snapshot schedule of share %s has produced no ready snapshot since %s (interval %s); see status.backups[].lastScheduled for the server's error.",
		w.name, newest.UTC().Format(time.RFC3339), want.Interval.Duration)}
}
