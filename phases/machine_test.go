package phases

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// TestMachineTransitions checks every (phase, event) pair against the design: the main events
// move one phase forward, degrade leaves any phase but Degraded, recover only leaves Degraded.
func TestMachineTransitions(t *testing.T) {
	const (
		pending  = v1alpha1.PhasePending
		storage  = v1alpha1.PhaseStorageReady
		database = v1alpha1.PhaseDatabaseReady
		config   = v1alpha1.PhaseConfigReady
		serving  = v1alpha1.PhaseServing
		degraded = v1alpha1.PhaseDegraded
	)
	// want[from][event] = to; a missing entry means the event is refused in that phase.
	want := map[v1alpha1.Phase]map[string]v1alpha1.Phase{
		pending:  {EventStorage: storage, EventDegrade: degraded},
		storage:  {EventDatabase: database, EventDegrade: degraded},
		database: {EventConfig: config, EventDegrade: degraded},
		config:   {EventServe: serving, EventDegrade: degraded},
		serving:  {EventDegrade: degraded},
		degraded: {EventRecover: serving},
	}
	events := []string{EventStorage, EventDatabase, EventConfig, EventServe, EventDegrade, EventRecover}
	require.Len(t, AllPhases, len(want), "every phase needs a row in the table")

	for _, from := range AllPhases {
		for _, event := range events {
			to, allowed := want[from][event]
			t.Run(string(from)+"/"+event, func(t *testing.T) {
				m := NewMachine(from)
				err := m.Event(context.Background(), event)
				if !allowed {
					assert.Error(t, err, "%s must be refused in %s", event, from)
					assert.Equal(t, string(from), m.Current())
					return
				}
				require.NoError(t, err)
				assert.Equal(t, string(to), m.Current())
				assert.Equal(t, event, TransitionEvent(from, to), "TransitionEvent names the move")
			})
		}
	}
}

func TestTransitionEventUnknownMove(t *testing.T) {
	assert.Equal(t, "", TransitionEvent(v1alpha1.PhasePending, v1alpha1.PhaseServing),
		"several steps in one pass have no single event")
}
