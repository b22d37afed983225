package phases

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// scriptedStep answers with a fixed outcome. These are the runner's own test inputs, not stand-ins
// for an external system: the steps themselves are tested against a real API server.
type scriptedStep struct {
	condition string
	phase     v1alpha1.Phase
	out       Outcome
	err       error
	ran       *int
}

func (s scriptedStep) Condition() string     { return s.condition }
func (s scriptedStep) Phase() v1alpha1.Phase { return s.phase }
func (s scriptedStep) Reconcile(context.Context, *Scope) (Outcome, error) {
	if s.ran != nil {
		*s.ran++
	}
	return s.out, s.err
}

// scripted mirrors the production pipeline's main steps: done[i] says whether step i is done.
// Steps beyond len(done) are not done.
func scripted(done []bool, sub error) Pipeline {
	var steps []MainStep
	for i, real := range NewPipeline(nil).Steps {
		st := scriptedStep{condition: real.Condition(), phase: real.Phase()}
		if i < len(done) && done[i] {
			st.out = Done("Ok", "ok")
		} else {
			st.err = Block("NotYet", "waiting for %s", st.condition)
		}
		steps = append(steps, st)
	}
	var subs []Step
	if sub != nil {
		subs = []Step{scriptedStep{condition: v1alpha1.ConditionSharesReady, err: sub}}
	}
	return newPipeline(steps, subs)
}

// all returns n trues: the first n main steps are done.
func all(n int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = true
	}
	return out
}

func TestRunDerivesPhase(t *testing.T) {
	main := NewPipeline(nil).Machine.Phases // Pending, the main phases, Degraded
	steps := len(main) - 2
	subFail := Block("ShareRejected", "the server rejected /media")
	type tc struct {
		name      string
		done      []bool
		sub       error
		served    bool
		wantPhase v1alpha1.Phase
		wantReady metav1.ConditionStatus
	}
	var cases []tc
	for n := 0; n < steps; n++ {
		cases = append(cases, tc{"first " + string(main[n]), all(n), nil, false, main[n], metav1.ConditionFalse})
	}
	skipFirst := append([]bool{false}, all(steps-1)...)
	cases = append(cases,
		tc{"all done", all(steps), nil, false, v1alpha1.PhaseServing, metav1.ConditionTrue},
		tc{"a later step alone does not count", skipFirst, nil, false, v1alpha1.PhasePending, metav1.ConditionFalse},
		tc{"served, first step not done", skipFirst, nil, true, v1alpha1.PhaseDegraded, metav1.ConditionFalse},
		tc{"served, last step not done", all(steps - 1), nil, true, v1alpha1.PhaseDegraded, metav1.ConditionFalse},
		tc{"served, a sub-phase blocked", all(steps), subFail, true, v1alpha1.PhaseDegraded, metav1.ConditionFalse},
		// A new server its sub-phases cannot configure yet has not served: it is not Degraded.
		tc{"first serve with a sub-phase blocked", all(steps), subFail, false, main[steps-1], metav1.ConditionFalse},
		tc{"served and healthy again", all(steps), nil, true, v1alpha1.PhaseServing, metav1.ConditionTrue},
	)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := &v1alpha1.DittoFS{}
			if tc.served {
				d.Status.ServedAt = &metav1.Time{Time: time.Unix(1, 0)}
			}
			s := &Scope{DittoFS: d, Now: func() time.Time { return time.Unix(100, 0) }}
			p := scripted(tc.done, tc.sub)
			res, err := p.Run(context.Background(), s)
			require.NoError(t, err, "a blocked step is not a reconcile error")
			assert.Equal(t, tc.wantPhase, res.Phase)
			ready := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionReady)
			require.NotNil(t, ready)
			assert.Equal(t, tc.wantReady, ready.Status)
			assert.Equal(t, tc.wantPhase == v1alpha1.PhaseDegraded,
				meta.IsStatusConditionTrue(d.Status.Conditions, v1alpha1.ConditionDegraded))
			for _, st := range p.Steps {
				cond := meta.FindStatusCondition(d.Status.Conditions, st.Condition())
				require.NotNil(t, cond, "every step sets its condition on every pass: %s", st.Condition())
				assert.NotEmpty(t, cond.Reason, st.Condition())
			}
		})
	}
}

// TestRunFirstServingWaitsForSubPhases: servedAt is set only by a pass in which the sub-phases
// are done too, so a sub-phase failing on the way to the first Serving never degrades.
func TestRunFirstServingWaitsForSubPhases(t *testing.T) {
	steps := len(NewPipeline(nil).Steps)
	d := &v1alpha1.DittoFS{}
	s := &Scope{DittoFS: d, Now: func() time.Time { return time.Unix(100, 0) }}
	unreachable := Block(v1alpha1.ReasonServerUnreachable, "connection refused")
	for pass := 0; pass < 2; pass++ {
		res, err := scripted(all(steps), unreachable).Run(context.Background(), s)
		require.NoError(t, err)
		assert.Equal(t, v1alpha1.PhaseConfigReady, res.Phase, "pass %d", pass)
		assert.Nil(t, d.Status.ServedAt, "pass %d: not served while a sub-phase is not done", pass)
		assert.False(t, meta.IsStatusConditionTrue(d.Status.Conditions, v1alpha1.ConditionDegraded))
		assert.Equal(t, v1alpha1.ReasonServerUnreachable, meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionReady).Reason)
	}
	res, err := scripted(all(steps), nil).Run(context.Background(), s)
	require.NoError(t, err)
	assert.Equal(t, v1alpha1.PhaseServing, res.Phase)
	require.NotNil(t, d.Status.ServedAt)
}

// TestRunPlannedBlockKeepsServing: a rollout (a planned block of the last step) keeps a served
// DittoFS in Serving with Ready=False and Degraded=False; the same reason unplanned degrades.
func TestRunPlannedBlockKeepsServing(t *testing.T) {
	serving := func(last error) Pipeline {
		p := scripted(all(len(NewPipeline(nil).Steps)), nil)
		st := p.Steps[len(p.Steps)-1].(scriptedStep)
		st.out, st.err = Outcome{}, last
		p.Steps[len(p.Steps)-1] = st
		return p
	}
	for _, tc := range []struct {
		name      string
		err       error
		served    bool
		wantPhase v1alpha1.Phase
	}{
		{"planned, served", Planned(v1alpha1.ReasonRollingOut, "replacing the pod"), true, v1alpha1.PhaseServing},
		{"planned, never served", Planned(v1alpha1.ReasonRollingOut, "replacing the pod"), false, v1alpha1.PhaseConfigReady},
		{"unplanned, served", Block(v1alpha1.ReasonRollingOut, "replacing the pod"), true, v1alpha1.PhaseDegraded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &v1alpha1.DittoFS{}
			if tc.served {
				d.Status.ServedAt = &metav1.Time{Time: time.Unix(1, 0)}
			}
			res, err := serving(tc.err).Run(context.Background(), &Scope{DittoFS: d, Now: time.Now})
			require.NoError(t, err)
			assert.Equal(t, tc.wantPhase, res.Phase)
			ready := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionReady)
			assert.Equal(t, metav1.ConditionFalse, ready.Status)
			assert.Equal(t, v1alpha1.ReasonRollingOut, ready.Reason)
			assert.Equal(t, tc.wantPhase == v1alpha1.PhaseDegraded, meta.IsStatusConditionTrue(d.Status.Conditions, v1alpha1.ConditionDegraded))
		})
	}
}

func TestRunStopsAtFirstStepNotDone(t *testing.T) {
	ranLater := 0
	p := newPipeline([]MainStep{
		scriptedStep{condition: v1alpha1.ConditionStorageReady, phase: v1alpha1.PhaseStorageReady, err: Block(v1alpha1.ReasonWaitingForVolumes, "claims pending")},
		scriptedStep{condition: v1alpha1.ConditionDatabaseReady, phase: v1alpha1.PhaseDatabaseReady, out: Done(v1alpha1.ReasonSQLite, ""), ran: &ranLater},
	}, nil)
	d := &v1alpha1.DittoFS{}
	_, err := p.Run(context.Background(), &Scope{DittoFS: d, Now: time.Now})
	require.NoError(t, err)
	assert.Zero(t, ranLater, "a step must not run before the one it builds on is done")
	db := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionDatabaseReady)
	assert.Equal(t, metav1.ConditionUnknown, db.Status)
	assert.Equal(t, v1alpha1.ReasonWaitingForPreviousStep, db.Reason)
	assert.Contains(t, db.Message, v1alpha1.ConditionStorageReady)
	storage := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionStorageReady)
	assert.Equal(t, v1alpha1.ReasonWaitingForVolumes, storage.Reason)
	assert.Equal(t, "claims pending", storage.Message, "the message of a Blocked error is the condition's")
}

func TestRunSetsServedAtOnceAndReportsErrors(t *testing.T) {
	d := &v1alpha1.DittoFS{}
	now := time.Unix(500, 0)
	s := &Scope{DittoFS: d, Now: func() time.Time { return now }}
	steps := len(NewPipeline(nil).Steps)
	_, err := scripted(all(steps), nil).Run(context.Background(), s)
	require.NoError(t, err)
	require.NotNil(t, d.Status.ServedAt)
	assert.Equal(t, now.Unix(), d.Status.ServedAt.Unix())

	now = time.Unix(900, 0)
	_, err = scripted(all(steps), nil).Run(context.Background(), s)
	require.NoError(t, err)
	assert.Equal(t, int64(500), d.Status.ServedAt.Unix(), "servedAt records the first time only")

	boom := errors.New("apiserver unavailable")
	p := newPipeline([]MainStep{scriptedStep{condition: v1alpha1.ConditionStorageReady, phase: v1alpha1.PhaseStorageReady, err: boom}}, nil)
	res, err := p.Run(context.Background(), s)
	require.ErrorIs(t, err, boom)
	assert.Equal(t, v1alpha1.PhaseDegraded, res.Phase)
	cond := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionStorageReady)
	assert.Equal(t, v1alpha1.ReasonReconcileError, cond.Reason)
}

func TestRunRequeuesAtEarliest(t *testing.T) {
	p := newPipeline([]MainStep{
		scriptedStep{condition: v1alpha1.ConditionStorageReady, phase: v1alpha1.PhaseStorageReady, out: Outcome{Reason: "A", RequeueAfter: time.Minute}},
		scriptedStep{condition: v1alpha1.ConditionDatabaseReady, phase: v1alpha1.PhaseDatabaseReady, err: &Blocked{Reason: "B", RequeueAfter: 10 * time.Second}},
	}, nil)
	res, err := p.Run(context.Background(), &Scope{DittoFS: &v1alpha1.DittoFS{}, Now: time.Now})
	require.NoError(t, err)
	assert.Equal(t, 10*time.Second, res.RequeueAfter)
}

func TestBlockedSurvivesWrapping(t *testing.T) {
	err := fmt.Errorf("converging: %w", Block(v1alpha1.ReasonStoreRejected, "no"))
	b := AsBlocked(err)
	require.NotNil(t, b)
	assert.Equal(t, v1alpha1.ReasonStoreRejected, b.Reason)
	assert.Nil(t, AsBlocked(errors.New("other")))
	assert.Nil(t, AsBlocked(nil))
	assert.Equal(t, time.Minute, AsBlocked(RetryBlocked(Block("X", "y"), time.Minute)).RequeueAfter)
}

func TestTruncate(t *testing.T) {
	assert.Equal(t, "short", Truncate("short", 10))
	long := strings.Repeat("é", 100) // two bytes each
	got := Truncate(long, 51)
	assert.LessOrEqual(t, len(got), 51)
	assert.True(t, utf8.ValidString(got), "cut on a rune boundary: %q", got)
	assert.True(t, strings.HasSuffix(got, truncatedMark))
	assert.Equal(t, "éé", Truncate(long, 5), "too short for the mark: just cut")

	d := &v1alpha1.DittoFS{}
	SetCondition(d, v1alpha1.ConditionReady, metav1.ConditionFalse, "X", strings.Repeat("x", 100000))
	assert.Len(t, d.Status.Conditions[0].Message, MaxConditionMessage, "every condition message is capped")
}

// TestRunSetsProgressConditions: Reconciling and Stalled follow the first step that is not done,
// and are never both True.
func TestRunSetsProgressConditions(t *testing.T) {
	steps := len(NewPipeline(nil).Steps)
	for _, tc := range []struct {
		name                 string
		sub                  error
		reconciling, stalled metav1.ConditionStatus
		reason               string
	}{
		{"done", nil, metav1.ConditionFalse, metav1.ConditionFalse, v1alpha1.ReasonReconciled},
		{"work in progress", Block(v1alpha1.ReasonServerUnreachable, "connection refused"), metav1.ConditionTrue, metav1.ConditionFalse, v1alpha1.ReasonServerUnreachable},
		{"waits for the user", Block(v1alpha1.ReasonStoreRejected, "bad bucket"), metav1.ConditionFalse, metav1.ConditionTrue, v1alpha1.ReasonStalled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &v1alpha1.DittoFS{}
			_, err := scripted(all(steps), tc.sub).Run(context.Background(), &Scope{DittoFS: d, Now: time.Now})
			require.NoError(t, err)
			rec := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionReconciling)
			stalled := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionStalled)
			require.NotNil(t, rec)
			require.NotNil(t, stalled)
			assert.Equal(t, tc.reconciling, rec.Status)
			assert.Equal(t, tc.stalled, stalled.Status)
			assert.Equal(t, tc.reason, rec.Reason)
			if tc.stalled == metav1.ConditionTrue {
				assert.Equal(t, v1alpha1.ReasonStoreRejected, stalled.Reason)
				assert.Contains(t, stalled.Message, "bad bucket")
			}
		})
	}
}
