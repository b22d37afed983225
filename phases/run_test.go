package phases

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// scriptedStep answers with a fixed outcome. These are the runner's own test inputs, not stand-ins
// for an external system: the steps themselves are tested against a real API server.
type scriptedStep struct {
	condition, event string
	out              Outcome
	err              error
	ran              *int
}

func (s scriptedStep) Condition() string { return s.condition }
func (s scriptedStep) Event() string     { return s.event }
func (s scriptedStep) Reconcile(context.Context, *Scope) (Outcome, error) {
	if s.ran != nil {
		*s.ran++
	}
	return s.out, s.err
}

func pipeline(done [4]bool, sub *Outcome) Pipeline {
	steps := []Step{
		scriptedStep{condition: v1alpha1.ConditionStorageReady, event: EventStorage},
		scriptedStep{condition: v1alpha1.ConditionDatabaseReady, event: EventDatabase},
		scriptedStep{condition: v1alpha1.ConditionConfigReady, event: EventConfig},
		scriptedStep{condition: v1alpha1.ConditionServing, event: EventServe},
	}
	for i := range steps {
		st := steps[i].(scriptedStep)
		if done[i] {
			st.out = Done("Ok", "ok")
		} else {
			st.out = Waiting("NotYet", "waiting for "+st.condition)
		}
		steps[i] = st
	}
	p := Pipeline{Steps: steps}
	if sub != nil {
		p.SubPhases = []Step{scriptedStep{condition: v1alpha1.ConditionSharesReady, out: *sub}}
	}
	return p
}

func TestRunDerivesPhase(t *testing.T) {
	subOK := Done("SharesReady", "all shares ready")
	subFail := Waiting("ShareRejected", "the server rejected /media")
	cases := []struct {
		name      string
		done      [4]bool
		sub       *Outcome
		served    bool
		wantPhase v1alpha1.Phase
		wantReady metav1.ConditionStatus
	}{
		{"nothing ready", [4]bool{}, nil, false, v1alpha1.PhasePending, metav1.ConditionFalse},
		{"storage ready", [4]bool{true}, nil, false, v1alpha1.PhaseStorageReady, metav1.ConditionFalse},
		{"database ready", [4]bool{true, true}, nil, false, v1alpha1.PhaseDatabaseReady, metav1.ConditionFalse},
		{"config ready", [4]bool{true, true, true}, nil, false, v1alpha1.PhaseConfigReady, metav1.ConditionFalse},
		{"serving", [4]bool{true, true, true, true}, &subOK, false, v1alpha1.PhaseServing, metav1.ConditionTrue},
		{"later step alone does not count", [4]bool{false, true, true, true}, nil, false, v1alpha1.PhasePending, metav1.ConditionFalse},
		{"served, storage lost", [4]bool{false, true, true, true}, nil, true, v1alpha1.PhaseDegraded, metav1.ConditionFalse},
		{"served, pod not ready", [4]bool{true, true, true, false}, nil, true, v1alpha1.PhaseDegraded, metav1.ConditionFalse},
		{"served, share rejected", [4]bool{true, true, true, true}, &subFail, true, v1alpha1.PhaseDegraded, metav1.ConditionFalse},
		{"first serve with a rejected share", [4]bool{true, true, true, true}, &subFail, false, v1alpha1.PhaseDegraded, metav1.ConditionFalse},
		{"served and healthy again", [4]bool{true, true, true, true}, &subOK, true, v1alpha1.PhaseServing, metav1.ConditionTrue},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := &v1alpha1.DittoFS{}
			if tc.served {
				d.Status.ServedAt = &metav1.Time{Time: time.Unix(1, 0)}
			}
			s := &Scope{DittoFS: d, Now: func() time.Time { return time.Unix(100, 0) }}
			res, err := pipeline(tc.done, tc.sub).Run(context.Background(), s)
			require.NoError(t, err)
			assert.Equal(t, tc.wantPhase, res.Phase)
			ready := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionReady)
			require.NotNil(t, ready)
			assert.Equal(t, tc.wantReady, ready.Status)
			assert.Equal(t, tc.wantPhase == v1alpha1.PhaseDegraded,
				meta.IsStatusConditionTrue(d.Status.Conditions, v1alpha1.ConditionDegraded))
			for _, c := range []string{v1alpha1.ConditionStorageReady, v1alpha1.ConditionDatabaseReady,
				v1alpha1.ConditionConfigReady, v1alpha1.ConditionServing} {
				cond := meta.FindStatusCondition(d.Status.Conditions, c)
				require.NotNil(t, cond, "every step sets its condition on every pass: %s", c)
				assert.NotEmpty(t, cond.Reason, c)
			}
		})
	}
}

func TestRunStopsAtFirstStepNotDone(t *testing.T) {
	ranLater := 0
	p := Pipeline{Steps: []Step{
		scriptedStep{condition: v1alpha1.ConditionStorageReady, event: EventStorage, out: Waiting("WaitingForVolumes", "claims pending")},
		scriptedStep{condition: v1alpha1.ConditionDatabaseReady, event: EventDatabase, out: Done("SQLite", ""), ran: &ranLater},
	}}
	d := &v1alpha1.DittoFS{}
	_, err := p.Run(context.Background(), &Scope{DittoFS: d, Now: time.Now})
	require.NoError(t, err)
	assert.Zero(t, ranLater, "a step must not run before the one it builds on is done")
	db := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionDatabaseReady)
	assert.Equal(t, metav1.ConditionUnknown, db.Status)
	assert.Equal(t, v1alpha1.ReasonWaitingForPreviousStep, db.Reason)
	assert.Contains(t, db.Message, v1alpha1.ConditionStorageReady)
}

func TestRunSetsServedAtOnceAndReportsErrors(t *testing.T) {
	d := &v1alpha1.DittoFS{}
	now := time.Unix(500, 0)
	s := &Scope{DittoFS: d, Now: func() time.Time { return now }}
	_, err := pipeline([4]bool{true, true, true, true}, nil).Run(context.Background(), s)
	require.NoError(t, err)
	require.NotNil(t, d.Status.ServedAt)
	assert.Equal(t, now.Unix(), d.Status.ServedAt.Unix())

	now = time.Unix(900, 0)
	_, err = pipeline([4]bool{true, true, true, true}, nil).Run(context.Background(), s)
	require.NoError(t, err)
	assert.Equal(t, int64(500), d.Status.ServedAt.Unix(), "servedAt records the first time only")

	boom := errors.New("apiserver unavailable")
	p := Pipeline{Steps: []Step{scriptedStep{condition: v1alpha1.ConditionStorageReady, event: EventStorage, err: boom}}}
	res, err := p.Run(context.Background(), s)
	require.ErrorIs(t, err, boom)
	assert.Equal(t, v1alpha1.PhaseDegraded, res.Phase)
	cond := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionStorageReady)
	assert.Equal(t, v1alpha1.ReasonReconcileError, cond.Reason)
}

func TestRunRequeuesAtEarliest(t *testing.T) {
	p := Pipeline{Steps: []Step{
		scriptedStep{condition: v1alpha1.ConditionStorageReady, event: EventStorage, out: Outcome{Done: true, Reason: "A", RequeueAfter: time.Minute}},
		scriptedStep{condition: v1alpha1.ConditionDatabaseReady, event: EventDatabase, out: Outcome{Reason: "B", RequeueAfter: 10 * time.Second}},
	}}
	res, err := p.Run(context.Background(), &Scope{DittoFS: &v1alpha1.DittoFS{}, Now: time.Now})
	require.NoError(t, err)
	assert.Equal(t, 10*time.Second, res.RequeueAfter)
}
