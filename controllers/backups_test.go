package controllers

// These tests drive the Backups sub-phase with the whole reconciler against a REAL dfs server
// (dfstest) and a real API server (envtest); files are written and read back over NFS with an
// in-process NFSv3 client. The only thing simulated is a crash of the operator: a fault hook stops
// a pass right after a restore step is recorded and holds it until the operator is stopped, as a
// process killed at that point would (the operator then restarts with nothing in memory).

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi/dfstest"
	"github.com/dittofs/dittofs-operator/internal/nfsclient"
	"github.com/dittofs/dittofs-operator/internal/restoreledger"
	"github.com/dittofs/dittofs-operator/phases/backups"
)

// crashPoints stops the operator once at each restore step it has not stopped at yet.
type crashPoints struct {
	mu      sync.Mutex
	crashed map[restoreledger.Step]bool
	hit     chan restoreledger.Step
}

func newCrashPoints() *crashPoints {
	return &crashPoints{crashed: map[restoreledger.Step]bool{}, hit: make(chan restoreledger.Step, 16)}
}

// hook is the backups.FaultHook: at a new step boundary it reports the step and waits for the
// operator to be stopped, so nothing after the boundary happens in that process.
func (c *crashPoints) hook(ctx context.Context, _ string, step restoreledger.Step) error {
	c.mu.Lock()
	first := !c.crashed[step]
	c.crashed[step] = true
	c.mu.Unlock()
	if !first {
		return nil
	}
	c.hit <- step
	<-ctx.Done()
	return ctx.Err()
}

// backupFixture is a share fixture with an operator that can be crashed and restarted.
type backupFixture struct {
	*shareFixture
	t      *testing.T
	hook   backups.FaultHook
	resync time.Duration
	op     *operator
}

// newBackupFixture starts a server and an operator whose backups sub-phase calls hook (if any)
// at each restore step boundary.
func newBackupFixture(t *testing.T, opts dfstest.Options, hook backups.FaultHook) *backupFixture {
	return newBackupFixtureWith(t, opts, hook, 2*time.Second)
}

// newBackupFixtureWith is newBackupFixture with the sub-phases' resync period: how long a
// converged server is left alone.
func newBackupFixtureWith(t *testing.T, opts dfstest.Options, hook backups.FaultHook, resync time.Duration) *backupFixture {
	f := &backupFixture{shareFixture: newShareFixtureWith(t, opts), t: t, hook: hook, resync: resync}
	f.start()
	return f
}

// start runs a new operator process (as far as memory goes) against the same server.
func (f *backupFixture) start() {
	f.op = startOperatorWith(f.t, f.ns, func(o *Options) {
		o.ServerAccess = f.access("", time.Second, f.resync)
		o.BackupFaultHook = f.hook
	})
}

// restart stops the operator and starts a new one.
func (f *backupFixture) restart() {
	f.t.Helper()
	_ = f.op.stop() // a crashed pass ends with a cancelled context, which Stop may report
	f.start()
}

func (f *backupFixture) nfs() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(f.srv.NFSPort))
}

// files reads each name over NFS; a missing file reads as "<absent>".
func (f *backupFixture) files(t *testing.T, share string, names ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, n := range names {
		data, err := nfsclient.ReadFile(ctx, f.nfs(), share, n)
		switch {
		case errors.Is(err, nfsclient.ErrNoEnt):
			out[n] = "<absent>"
		case err != nil:
			t.Fatalf("read %s%s over NFS: %v", share, "/"+n, err)
		default:
			out[n] = string(data)
		}
	}
	return out
}

// backupStatus returns the share's status.backups entry.
func backupStatus(d *v1alpha1.DittoFS, share string) *v1alpha1.ShareBackupStatus {
	for i := range d.Status.Backups {
		if d.Status.Backups[i].Share == share {
			return &d.Status.Backups[i]
		}
	}
	return nil
}

// safetySnapshots counts the unnamed manual snapshots of a share: the server takes one at the
// start of each restore call, so their number is the number of restores the server ran.
func safetySnapshots(t *testing.T, api *dittofsapi.Client, share string) int {
	t.Helper()
	list, err := api.ListSnapshots(ctx, share)
	require.NoError(t, err)
	return countUnnamed(list)
}

func waitForRestore(t *testing.T, ns, name, share string, step v1alpha1.RestoreStep) *v1alpha1.DittoFS {
	t.Helper()
	var d *v1alpha1.DittoFS
	eventually(t, timeout, fmt.Sprintf("restore of %s at step %s", share, step), func() error {
		d = get(t, ns, name)
		st := backupStatus(d, share)
		if st == nil || st.Restore == nil || st.Restore.Step != step {
			return fmt.Errorf("status.backups: %+v; conditions: %v", st, d.Status.Conditions)
		}
		return nil
	})
	return d
}

// servingWithSnapshotV1 makes a Serving DittoFS with share /data holding v1 (a.txt, b.txt),
// takes on-demand snapshot v1 through the spec, then changes the files to v2 (a.txt changed,
// b.txt removed, c.txt added). It returns the snapshot's server id.
func (f *backupFixture) servingWithSnapshotV1(t *testing.T, name string) string {
	t.Helper()
	f.adminSecret(t, name, "admin", f.srv.AdminPassword)
	d := newDittoFS(f.ns, name)
	d.Spec.Shares = []v1alpha1.ShareSpec{{Name: "/data", DefaultPermission: "read-write"}}
	d = createBound(t, d)
	setPodReady(t, d, true)
	waitFor(t, f.ns, name, v1alpha1.PhaseServing, v1alpha1.ConditionSharesReady, v1alpha1.ReasonSharesReady)

	require.NoError(t, nfsclient.WriteFile(ctx, f.nfs(), "/data", "a.txt", []byte("v1-a")))
	require.NoError(t, nfsclient.WriteFile(ctx, f.nfs(), "/data", "b.txt", []byte("v1-b")))

	update(t, f.ns, name, func(d *v1alpha1.DittoFS) {
		d.Spec.Shares[0].Snapshots = &v1alpha1.ShareSnapshots{OnDemand: []v1alpha1.OnDemandSnapshot{{Name: "v1"}}}
	})
	eventually(t, timeout, "on-demand snapshot v1 ready", func() error {
		st := backupStatus(get(t, f.ns, name), "/data")
		if st == nil || len(st.OnDemand) != 1 || st.OnDemand[0].Snapshot == nil || st.OnDemand[0].Snapshot.State != dittofsapi.SnapshotReady {
			return fmt.Errorf("status.backups: %+v", st)
		}
		return nil
	})
	snaps, err := f.api.ListSnapshots(ctx, "/data")
	require.NoError(t, err)
	require.Len(t, snaps, 1, "one snapshot for one request")
	assert.Equal(t, "k8s-v1", snaps[0].Name)
	v1ID := snaps[0].ID

	// v2: a file changed, one removed, one added.
	require.NoError(t, nfsclient.ReplaceFile(ctx, f.nfs(), "/data", "a.txt", []byte("v2-a")))
	require.NoError(t, nfsclient.RemoveFile(ctx, f.nfs(), "/data", "b.txt"))
	require.NoError(t, nfsclient.WriteFile(ctx, f.nfs(), "/data", "c.txt", []byte("v2-c")))
	v2 := map[string]string{"a.txt": "v2-a", "b.txt": "<absent>", "c.txt": "v2-c"}
	require.Equal(t, v2, f.files(t, "/data", "a.txt", "b.txt", "c.txt"))

	return v1ID
}

// TestRestoreExactlyOnceAcrossCrashes is the data round trip of issue 12: write v1 over NFS,
// snapshot it through the spec, change the files, restore through the spec while the operator
// is crashed at every restore step boundary, and read exactly v1 back. Then new writes survive
// operator restarts, a lost status and a re-created DittoFS: the restore never runs again.
func TestRestoreExactlyOnceAcrossCrashes(t *testing.T) {
	crash := newCrashPoints()
	f := newBackupFixture(t, dfstest.Options{}, crash.hook)
	v1ID := f.servingWithSnapshotV1(t, "vault")
	update(t, f.ns, "vault", func(d *v1alpha1.DittoFS) {
		d.Spec.Shares[0].Restore = &v1alpha1.ShareRestore{Name: "back-to-v1", Snapshot: "v1", AllowNonDurable: true}
	})
	// Crash at each boundary the restore reaches, in order, and restart.
	for _, want := range []restoreledger.Step{restoreledger.Quiescing, restoreledger.Restoring, restoreledger.Restored, restoreledger.Completed} {
		select {
		case got := <-crash.hit:
			require.Equal(t, want, got, "the restore steps come in order")
		case <-time.After(timeout):
			t.Fatalf("the operator never reached restore step %s; status: %+v", want, get(t, f.ns, "vault").Status.Backups)
		}
		if want == restoreledger.Restoring {
			// Crashed with the share offline and the restore not yet called: no client may mount it.
			_, err := nfsclient.ReadFile(ctx, f.nfs(), "/data", "a.txt")
			assert.ErrorIs(t, err, nfsclient.ErrMountRefused, "the share is offline during the restore")
		}
		f.restart()
	}
	d := waitForRestore(t, f.ns, "vault", "/data", v1alpha1.RestoreCompleted)
	rs := backupStatus(d, "/data").Restore
	assert.Equal(t, v1ID, rs.SnapshotID)
	assert.NotEmpty(t, rs.SafetySnapshotID)
	waitFor(t, f.ns, "vault", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)

	v1 := map[string]string{"a.txt": "v1-a", "b.txt": "v1-b", "c.txt": "<absent>"}
	assert.Equal(t, v1, f.files(t, "/data", "a.txt", "b.txt", "c.txt"), "the share holds exactly v1 again")
	assert.Equal(t, 1, safetySnapshots(t, f.api, "/data"), "the server ran one restore")
	eventually(t, timeout, "events at the start and end of the snapshot and the restore", func() error {
		reasons := map[string]bool{}
		for _, e := range eventsAbout(t, f.ns, "vault") {
			reasons[e.Reason] = true
		}
		for _, want := range []string{"SnapshotStarted", "SnapshotReady", "RestoreStarted", "RestoreCompleted"} {
			if !reasons[want] {
				return fmt.Errorf("no %s event", want)
			}
		}
		return nil
	})

	// v3 written after the restore must survive everything below.
	require.NoError(t, nfsclient.ReplaceFile(ctx, f.nfs(), "/data", "a.txt", []byte("v3-a")))
	v3 := map[string]string{"a.txt": "v3-a", "b.txt": "v1-b", "c.txt": "<absent>"}
	settle := func(what string) {
		t.Helper()
		since := f.op.reconciles.Load()
		eventually(t, timeout, "three reconciles after "+what, func() error {
			if n := f.op.reconciles.Load() - since; n < 3 {
				return fmt.Errorf("%d reconciles", n)
			}
			return nil
		})
		assert.Equal(t, v3, f.files(t, "/data", "a.txt", "b.txt", "c.txt"), "v3 stays after %s", what)
		assert.Equal(t, 1, safetySnapshots(t, f.api, "/data"), "no second restore after %s", what)
		list, err := f.api.ListSnapshots(ctx, "/data")
		require.NoError(t, err)
		taken := 0
		for _, sn := range list {
			if sn.Name == "k8s-v1" {
				taken++
			}
		}
		assert.Equal(t, 1, taken, "on-demand snapshot v1 taken once, also after %s", what)
	}
	for i := range 5 {
		f.restart()
		settle(fmt.Sprintf("operator restart %d", i+1))
	}

	// A lost status (a backup of the object without it, say).
	eventually(t, timeout, "clear the status", func() error {
		d := get(t, f.ns, "vault")
		d.Status = v1alpha1.DittoFSStatus{}
		return k8s.Status().Update(ctx, d)
	})
	settle("a lost status")
	d = waitForRestore(t, f.ns, "vault", "/data", v1alpha1.RestoreCompleted)

	// The same spec applied again as a new object.
	spec := d.Spec.DeepCopy()
	require.NoError(t, k8s.Delete(ctx, d))
	eventually(t, timeout, "the DittoFS gone", func() error {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(d), &v1alpha1.DittoFS{})
		if err == nil {
			return fmt.Errorf("still there")
		}
		return client.IgnoreNotFound(err)
	})
	collectGarbage(t, d)
	again := &v1alpha1.DittoFS{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "vault"}, Spec: *spec}
	again = createBound(t, again)
	setPodReady(t, again, true)
	waitForRestore(t, f.ns, "vault", "/data", v1alpha1.RestoreCompleted)
	settle("a re-created DittoFS")
}

// TestSnapshotScheduleAndPolicies: the share's policy follows the spec on the server (create,
// change, suspend, remove), costs no write once converged, keeps the count bounded, pauses during
// a restore, and a policy made by hand is left alone.
func TestSnapshotScheduleAndPolicies(t *testing.T) {
	f := newBackupFixture(t, dfstest.Options{SnapshotSchedulerPoll: time.Second}, nil)
	f.adminSecret(t, "sched", "admin", f.srv.AdminPassword)
	d := newDittoFS(f.ns, "sched")
	d.Spec.Shares = []v1alpha1.ShareSpec{
		{Name: "/data", DefaultPermission: "read-write", Snapshots: &v1alpha1.ShareSnapshots{
			Schedule: &v1alpha1.SnapshotSchedule{Interval: metav1.Duration{Duration: 2 * time.Second}, KeepLast: 2},
		}},
		{Name: "/other"},
	}
	d = createBound(t, d)
	setPodReady(t, d, true)
	waitFor(t, f.ns, "sched", v1alpha1.PhaseServing, v1alpha1.ConditionBackupsReady, v1alpha1.ReasonBackupsReady)

	// A policy on /other made by hand: the spec declares none there, so it is never touched.
	_, err := f.api.PutSnapshotPolicy(ctx, "/other", dittofsapi.SnapshotPolicySpec{Interval: "@daily", KeepLast: 9})
	require.NoError(t, err)

	policy, err := f.api.GetSnapshotPolicy(ctx, "/data")
	require.NoError(t, err)
	assert.Equal(t, "2s", policy.Interval)
	assert.Equal(t, 2, policy.KeepLast)
	assert.True(t, policy.Enabled)

	// The schedule runs and the server keeps at most keepLast ready scheduled snapshots.
	require.NoError(t, nfsclient.WriteFile(ctx, f.nfs(), "/data", "a.txt", []byte("scheduled")))
	created := map[string]bool{}
	eventually(t, timeout, "five scheduled snapshots taken, never more than keepLast+1 ready kept", func() error {
		list, err := f.api.ListSnapshots(ctx, "/data")
		if err != nil {
			return err
		}
		ready := 0
		for _, sn := range list {
			if sn.Scheduled {
				created[sn.ID] = true
				if sn.State == dittofsapi.SnapshotReady {
					ready++
				}
			}
		}
		// The server prunes after the next snapshot is ready: keepLast plus the newest.
		require.LessOrEqual(t, ready, 3, "keepLast holds")
		if len(created) < 5 {
			return fmt.Errorf("%d scheduled snapshots seen", len(created))
		}
		return nil
	})
	eventually(t, timeout, "status reports the schedule", func() error {
		st := backupStatus(get(t, f.ns, "sched"), "/data")
		if st == nil || st.Policy != "Active" || st.LastScheduled == nil || st.LastSuccessfulAt == nil {
			return fmt.Errorf("status.backups: %+v", st)
		}
		return nil
	})

	// A restore pauses the schedule for its whole length.
	list, err := f.api.ListSnapshots(ctx, "/data")
	require.NoError(t, err)
	var readyID string
	for _, sn := range list {
		if sn.Scheduled && sn.State == dittofsapi.SnapshotReady {
			readyID = sn.ID
		}
	}
	require.NotEmpty(t, readyID)
	update(t, f.ns, "sched", func(d *v1alpha1.DittoFS) {
		d.Spec.Shares[0].Restore = &v1alpha1.ShareRestore{Name: "undo", SnapshotID: readyID, AllowNonDurable: true}
	})
	d = waitForRestore(t, f.ns, "sched", "/data", v1alpha1.RestoreCompleted)
	rs := backupStatus(d, "/data").Restore
	require.NotNil(t, rs.StartedAt)
	require.NotNil(t, rs.CompletedAt)
	list, err = f.api.ListSnapshots(ctx, "/data")
	require.NoError(t, err)
	for _, sn := range list {
		// Times in status are cut to the second; a snapshot strictly inside the window is one
		// the scheduler took during the restore.
		if sn.Scheduled && sn.CreatedAt.After(rs.StartedAt.Add(time.Second)) && sn.CreatedAt.Before(rs.CompletedAt.Time) {
			t.Errorf("scheduled snapshot %s taken at %s, during the restore (%s to %s)", sn.ID, sn.CreatedAt, rs.StartedAt, rs.CompletedAt)
		}
	}
	policy, err = f.api.GetSnapshotPolicy(ctx, "/data")
	require.NoError(t, err)
	assert.True(t, policy.Enabled, "the schedule is back on after the restore")

	// Changed and suspended in the spec, changed on the server.
	update(t, f.ns, "sched", func(d *v1alpha1.DittoFS) {
		d.Spec.Shares[0].Snapshots.Schedule = &v1alpha1.SnapshotSchedule{Interval: metav1.Duration{Duration: time.Hour}, KeepLast: 3, Suspend: true}
	})
	eventually(t, timeout, "the policy changed on the server", func() error {
		p, err := f.api.GetSnapshotPolicy(ctx, "/data")
		if err != nil {
			return err
		}
		if p.Interval != "1h0m0s" || p.KeepLast != 3 || p.Enabled {
			return fmt.Errorf("policy %+v", p)
		}
		return nil
	})

	// Removed from the spec: the operator's policy goes, the hand-made one stays as it was.
	update(t, f.ns, "sched", func(d *v1alpha1.DittoFS) { d.Spec.Shares[0].Snapshots = nil })
	eventually(t, timeout, "the operator's policy deleted", func() error {
		_, err := f.api.GetSnapshotPolicy(ctx, "/data")
		if dittofsapi.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("policy still there (%v)", err)
	})
	other, err := f.api.GetSnapshotPolicy(ctx, "/other")
	require.NoError(t, err)
	assert.Equal(t, 9, other.KeepLast, "a hand-made policy is never touched")

	// Declaring a schedule where a hand-made policy exists is refused with a reason, not forced.
	update(t, f.ns, "sched", func(d *v1alpha1.DittoFS) {
		d.Spec.Shares[1].Snapshots = &v1alpha1.ShareSnapshots{Schedule: &v1alpha1.SnapshotSchedule{Interval: metav1.Duration{Duration: time.Hour}}}
	})
	waitFor(t, f.ns, "sched", v1alpha1.PhaseDegraded, v1alpha1.ConditionBackupsReady, v1alpha1.ReasonPolicyConflict)
	other, err = f.api.GetSnapshotPolicy(ctx, "/other")
	require.NoError(t, err)
	assert.Equal(t, 9, other.KeepLast)
}

// TestBackupsConvergedCostNoServerWrites: with a schedule and a taken snapshot in the spec, passes
// after convergence only read the server.
func TestBackupsConvergedCostNoServerWrites(t *testing.T) {
	f := newShareFixture(t)
	var mu sync.Mutex
	var writes []string
	proxy := faultProxy(t, f.srv.BaseURL, func(r *http.Request) int {
		if r.Method != http.MethodGet && r.URL.Path != "/api/v1/auth/login" && r.URL.Path != "/api/v1/auth/refresh" {
			mu.Lock()
			writes = append(writes, r.Method+" "+r.URL.Path)
			mu.Unlock()
		}
		return 0
	})
	op := startOperator(t, f.ns, f.access(proxy, time.Second, 500*time.Millisecond))
	f.adminSecret(t, "calm", "admin", f.srv.AdminPassword)
	d := newDittoFS(f.ns, "calm")
	d.Spec.Shares = []v1alpha1.ShareSpec{{Name: "/data", Snapshots: &v1alpha1.ShareSnapshots{
		Schedule: &v1alpha1.SnapshotSchedule{Interval: metav1.Duration{Duration: 24 * time.Hour}, KeepLast: 3},
		OnDemand: []v1alpha1.OnDemandSnapshot{{Name: "first"}},
	}}}
	d = createBound(t, d)
	setPodReady(t, d, true)
	waitFor(t, f.ns, "calm", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	settleFor(t, op, 3)

	mu.Lock()
	before := len(writes)
	mu.Unlock()
	since := op.reconciles.Load()
	eventually(t, timeout, "five resync passes", func() error {
		if n := op.reconciles.Load() - since; n < 5 {
			return fmt.Errorf("%d reconciles", n)
		}
		return nil
	})
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, writes[before:], "a converged DittoFS sends the server no writes")
	snaps, err := f.api.ListSnapshots(ctx, "/data")
	require.NoError(t, err)
	assert.Len(t, snaps, 1, "the on-demand snapshot is taken once")
}

// TestSharesLeaveARestoringShareOffline: the shares sub-phase brings a disabled spec share back
// online (drift), except when the server's restore ledger says a restore holds it offline; and
// it looks again soon, not a resync period later, to see the share back once the restore ends.
func TestSharesLeaveARestoringShareOffline(t *testing.T) {
	f := newBackupFixtureWith(t, dfstest.Options{}, nil, time.Hour)
	f.adminSecret(t, "held", "admin", f.srv.AdminPassword)
	d := newDittoFS(f.ns, "held")
	d.Spec.Shares = []v1alpha1.ShareSpec{{Name: "/data"}}
	d = createBound(t, d)
	setPodReady(t, d, true)
	waitFor(t, f.ns, "held", v1alpha1.PhaseServing, v1alpha1.ConditionSharesReady, v1alpha1.ReasonSharesReady)

	// A restore under way, as a crashed operator would have left it.
	ledger := &restoreledger.Ledger{}
	ledger.Begin(restoreledger.Restore{Name: "undo", SnapshotID: "0000", Step: restoreledger.Restoring, StartedAt: time.Now()})
	require.NoError(t, restoreledger.Write(ctx, f.api, "/data", ledger))
	_, err := f.api.DisableShare(ctx, "/data")
	require.NoError(t, err)
	// A spec change makes the converged sub-phase look at the server before its hour is up.
	update(t, f.ns, "held", func(d *v1alpha1.DittoFS) {
		d.Spec.Shares = append(d.Spec.Shares, v1alpha1.ShareSpec{Name: "/more"})
	})
	eventually(t, timeout, "share /data reported Restoring", func() error {
		st, _ := shareState(get(t, f.ns, "held"), "/data")
		if st.State != v1alpha1.ShareStateRestoring {
			return fmt.Errorf("status.shares: %+v", st)
		}
		return nil
	})
	settleFor(t, f.op, 3)
	sh, err := f.api.GetShare(ctx, "/data")
	require.NoError(t, err)
	assert.False(t, sh.Enabled, "a share held by a restore stays offline")

	// Without the restore, a disabled spec share is drift and is put back.
	ledger.Current.Step = restoreledger.Completed
	require.NoError(t, restoreledger.Write(ctx, f.api, "/data", ledger))
	eventually(t, timeout, "share /data online again", func() error {
		sh, err := f.api.GetShare(ctx, "/data")
		if err != nil || !sh.Enabled {
			return fmt.Errorf("share %+v (%v)", sh, err)
		}
		return nil
	})
}

// TestRestoreCompletesAfterTheServerDiesMidway: dfs is killed (SIGKILL) while it restores.
// At boot it rolls the share back to its safety snapshot and leaves it offline; the operator,
// which never got an answer, calls the restore again, and the request completes with v1.
func TestRestoreCompletesAfterTheServerDiesMidway(t *testing.T) {
	var (
		once   sync.Once
		killed = make(chan struct{})
		f      *backupFixture
	)
	// Right before the restore call, start watching for the server's safety snapshot, the first
	// thing a restore does, and kill the server as soon as it is ready: the server then records
	// the restore as started and begins replacing the share's data.
	hook := func(_ context.Context, share string, step restoreledger.Step) error {
		if step != restoreledger.Restoring {
			return nil
		}
		once.Do(func() {
			list, _ := f.api.ListSnapshots(ctx, share)
			before := countUnnamedReady(list)
			go func() {
				defer close(killed)
				tick := time.NewTicker(5 * time.Millisecond)
				defer tick.Stop()
				for deadline := time.Now().Add(timeout); time.Now().Before(deadline); <-tick.C {
					if list, err := f.api.ListSnapshots(ctx, share); err == nil && countUnnamedReady(list) > before {
						break
					}
				}
				f.srv.Kill(t)
			}()
		})
		return nil
	}
	f = newBackupFixture(t, dfstest.Options{}, hook)
	f.servingWithSnapshotV1(t, "phoenix")
	update(t, f.ns, "phoenix", func(d *v1alpha1.DittoFS) {
		d.Spec.Shares[0].Restore = &v1alpha1.ShareRestore{Name: "back-to-v1", Snapshot: "v1", AllowNonDurable: true}
	})
	select {
	case <-killed:
	case <-time.After(timeout):
		t.Fatalf("the restore never started; status: %+v", get(t, f.ns, "phoenix").Status.Backups)
	}
	// The operator gets no answer and says the server is gone.
	waitForCondition(t, f.ns, "phoenix", v1alpha1.ConditionBackupsReady, v1alpha1.ReasonServerUnreachable)
	if err := f.srv.Restart(t); err != nil {
		// Seen about once in twenty runs on this machine: dfs v0.29.0 killed while it resets the
		// share's badger store cannot open that store again. A server defect that no operator
		// can work around; it is reported in docs/backups.md.
		if strings.Contains(f.srv.Log(), "failed to open BadgerDB") {
			t.Skipf("dfs v0.29.0 cannot reopen its badger metadata store after this SIGKILL (server defect): %v", err)
		}
		require.NoError(t, err)
	}

	waitForRestore(t, f.ns, "phoenix", "/data", v1alpha1.RestoreCompleted)
	// Where the kill landed depends on timing; say which case this run exercised.
	t.Logf("server rolled an interrupted restore back at boot: %t", strings.Contains(f.srv.Log(), "interrupted restore detected"))
	waitFor(t, f.ns, "phoenix", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	v1 := map[string]string{"a.txt": "v1-a", "b.txt": "v1-b", "c.txt": "<absent>"}
	assert.Equal(t, v1, f.files(t, "/data", "a.txt", "b.txt", "c.txt"), "the share holds exactly v1")
}

func countUnnamed(list []dittofsapi.Snapshot) int {
	n := 0
	for _, sn := range list {
		if !sn.Scheduled && sn.Name == "" {
			n++
		}
	}
	return n
}

func countUnnamedReady(list []dittofsapi.Snapshot) int {
	n := 0
	for _, sn := range list {
		if !sn.Scheduled && sn.Name == "" && sn.State == dittofsapi.SnapshotReady {
			n++
		}
	}
	return n
}

// TestRemovedOnDemandRequests: removing a request keeps its snapshot, unless it said Delete.
func TestRemovedOnDemandRequests(t *testing.T) {
	f := newBackupFixture(t, dfstest.Options{}, nil)
	f.adminSecret(t, "tidy", "admin", f.srv.AdminPassword)
	d := newDittoFS(f.ns, "tidy")
	d.Spec.Shares = []v1alpha1.ShareSpec{{Name: "/data", Snapshots: &v1alpha1.ShareSnapshots{OnDemand: []v1alpha1.OnDemandSnapshot{
		{Name: "keep"}, {Name: "scratch", OnRemoval: v1alpha1.SnapshotDelete},
	}}}}
	d = createBound(t, d)
	setPodReady(t, d, true)
	waitFor(t, f.ns, "tidy", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	names := func() []string {
		list, err := f.api.ListSnapshots(ctx, "/data")
		require.NoError(t, err)
		var out []string
		for _, sn := range list {
			out = append(out, sn.Name)
		}
		return out
	}
	require.ElementsMatch(t, []string{"k8s-keep", "k8s-scratch"}, names())

	update(t, f.ns, "tidy", func(d *v1alpha1.DittoFS) { d.Spec.Shares[0].Snapshots.OnDemand = nil })
	eventually(t, timeout, "snapshot k8s-scratch deleted", func() error {
		if got := names(); len(got) != 1 || got[0] != "k8s-keep" {
			return fmt.Errorf("snapshots on the server: %v", got)
		}
		return nil
	})
	settleFor(t, f.op, 3)
	assert.Equal(t, []string{"k8s-keep"}, names(), "a removed request under Retain keeps its snapshot")
}
