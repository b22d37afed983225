package backups

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/internal/restoreledger"
	"github.com/dittofs/dittofs-operator/phases"
)

func TestSamePolicyComparesParsedIntervals(t *testing.T) {
	want := dittofsapi.SnapshotPolicySpec{Interval: (24 * time.Hour).String(), KeepLast: 7, Enabled: ptr.To(true), NamePrefix: policyPrefix}
	live := &dittofsapi.SnapshotPolicy{Interval: "24h0m0s", KeepLast: 7, Enabled: true, NamePrefix: policyPrefix}
	assert.True(t, samePolicy(live, want), "the server's echo of the interval is the same policy")
	for name, change := range map[string]func(p *dittofsapi.SnapshotPolicy){
		"interval": func(p *dittofsapi.SnapshotPolicy) { p.Interval = "12h0m0s" },
		"keepLast": func(p *dittofsapi.SnapshotPolicy) { p.KeepLast = 3 },
		"enabled":  func(p *dittofsapi.SnapshotPolicy) { p.Enabled = false },
		"ttl":      func(p *dittofsapi.SnapshotPolicy) { p.TTL = "1h0m0s" },
	} {
		p := *live
		change(&p)
		assert.False(t, samePolicy(&p, want), name)
	}
}

func TestFindOnDemandPrefersTheReadySnapshot(t *testing.T) {
	now := time.Now()
	snaps := []dittofsapi.Snapshot{
		{ID: "scheduled", Name: "k8s-a", Scheduled: true, State: dittofsapi.SnapshotReady},
		{ID: "old-failed", Name: "k8s-a", State: dittofsapi.SnapshotFailed, CreatedAt: now},
		{ID: "ready", Name: "k8s-a", State: dittofsapi.SnapshotReady, CreatedAt: now.Add(-time.Hour)},
		{ID: "other", Name: "k8s-b", State: dittofsapi.SnapshotReady},
	}
	assert.Equal(t, "ready", findOnDemand(snaps, "a").ID)
	assert.Nil(t, findOnDemand(snaps, "c"))
}

func TestScheduleStalledAfterTwoIntervals(t *testing.T) {
	now := time.Now()
	w := shareWork{name: "/data", spec: &v1alpha1.ShareSpec{Snapshots: &v1alpha1.ShareSnapshots{
		Schedule: &v1alpha1.SnapshotSchedule{Interval: metav1.Duration{Duration: time.Hour}}}}}
	ours := func(age time.Duration, state string) dittofsapi.Snapshot {
		return dittofsapi.Snapshot{Name: policyPrefix + "-x", Scheduled: true, State: state, CreatedAt: now.Add(-age)}
	}
	assert.Nil(t, scheduleStalled(w, nil, now), "a new policy with no snapshot yet is not judged")
	assert.Nil(t, scheduleStalled(w, []dittofsapi.Snapshot{ours(90*time.Minute, dittofsapi.SnapshotReady)}, now))
	assert.NotNil(t, scheduleStalled(w, []dittofsapi.Snapshot{ours(3*time.Hour, dittofsapi.SnapshotReady), ours(time.Minute, dittofsapi.SnapshotFailed)}, now))
	assert.NotNil(t, scheduleStalled(w, []dittofsapi.Snapshot{ours(3*time.Hour, dittofsapi.SnapshotFailed)}, now), "only failures for two intervals")
}

func TestRetiredKeepsTheNewestReadyWhateverTheirAge(t *testing.T) {
	now := time.Now()
	snap := func(id string, age time.Duration, state string) dittofsapi.Snapshot {
		return dittofsapi.Snapshot{ID: id, Name: policyPrefix + "-" + id, Scheduled: true, State: state, CreatedAt: now.Add(-age)}
	}
	want := &v1alpha1.SnapshotSchedule{Interval: metav1.Duration{Duration: time.Hour},
		MaxAge: &metav1.Duration{Duration: 24 * time.Hour}, KeepAtLeast: 2}
	snaps := []dittofsapi.Snapshot{
		snap("old-1", 30*time.Hour, dittofsapi.SnapshotReady),
		snap("old-2", 40*time.Hour, dittofsapi.SnapshotReady),
		snap("old-3", 50*time.Hour, dittofsapi.SnapshotReady),
		snap("fail-new", time.Hour, dittofsapi.SnapshotFailed),
		snap("fail-old", 2*time.Hour, dittofsapi.SnapshotFailed),
		{ID: "by-hand", Name: "mine", Scheduled: true, State: dittofsapi.SnapshotReady, CreatedAt: now.Add(-99 * time.Hour)},
		{ID: "on-demand", Name: "k8s-x", State: dittofsapi.SnapshotReady, CreatedAt: now.Add(-99 * time.Hour)},
	}
	var ids []string
	for _, sn := range retired(want, snaps, now) {
		ids = append(ids, sn.ID)
	}
	// Every ready one is past maxAge, but the newest two stay: only old-3 goes, with the older
	// failure; snapshots the operator's policy did not take are never pruned.
	assert.ElementsMatch(t, []string{"old-3", "fail-old"}, ids)

	want.MaxAge = nil
	ids = nil
	for _, sn := range retired(want, snaps, now) {
		ids = append(ids, sn.ID)
	}
	assert.Equal(t, []string{"fail-old"}, ids, "without maxAge only extra failures go")
}

func TestARestoreUnderWayIsPlannedNotAFailure(t *testing.T) {
	l := &restoreledger.Ledger{}
	l.Begin(restoreledger.Restore{Name: "undo", Step: restoreledger.Restoring})
	b := phases.AsBlocked(restoreOutcome(l, "undo", "/data"))
	if assert.NotNil(t, b) {
		assert.Equal(t, v1alpha1.ReasonRestoring, b.Reason)
		assert.True(t, b.Planned, "a restore the user asked for says Restoring and does not degrade")
	}
	l.Current.Step = restoreledger.Failed
	b = phases.AsBlocked(restoreOutcome(l, "undo", "/data"))
	if assert.NotNil(t, b) {
		assert.Equal(t, v1alpha1.ReasonRestoreFailed, b.Reason)
		assert.False(t, b.Planned, "a failed restore degrades until the request is removed or renamed")
	}
	l.Current.Step = restoreledger.Completed
	assert.NoError(t, restoreOutcome(l, "undo", "/data"))
}
