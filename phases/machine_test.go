package phases

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// The machine's design facts, checked on the production pipeline's machine rather than against a
// copy of its table: the main phases are reached one after another from Pending, ending at
// Serving; any phase but Degraded degrades; Degraded recovers to Serving; nothing else moves.
func TestMachineDesign(t *testing.T) {
	m := NewPipeline(nil).Machine
	main := m.Phases[:len(m.Phases)-1]
	require.Equal(t, v1alpha1.PhasePending, main[0], "a new DittoFS starts Pending")
	require.Equal(t, v1alpha1.PhaseServing, main[len(main)-1], "the main line ends Serving")
	require.Equal(t, v1alpha1.PhaseServing, m.Served)
	require.Equal(t, v1alpha1.PhaseDegraded, m.Phases[len(m.Phases)-1])

	t.Run("every phase is reachable in order", func(t *testing.T) {
		f := m.At(v1alpha1.PhasePending)
		for _, p := range main[1:] {
			require.NoError(t, f.Event(context.Background(), ReachEvent(p)))
			assert.Equal(t, string(p), f.Current())
		}
	})

	// allowed is the design: the only accepted (from, event) pairs and where they lead.
	allowed := func(from v1alpha1.Phase, event string) (v1alpha1.Phase, bool) {
		if i := slices.Index(main, from); i >= 0 && i+1 < len(main) && event == ReachEvent(main[i+1]) {
			return main[i+1], true
		}
		if event == EventDegrade && from != v1alpha1.PhaseDegraded {
			return v1alpha1.PhaseDegraded, true
		}
		if event == EventRecover && from == v1alpha1.PhaseDegraded {
			return v1alpha1.PhaseServing, true
		}
		return "", false
	}
	for _, from := range m.Phases {
		for _, event := range m.Events() {
			t.Run(string(from)+"/"+event, func(t *testing.T) {
				f := m.At(from)
				err := f.Event(context.Background(), event)
				to, ok := allowed(from, event)
				if !ok {
					assert.Error(t, err, "%s must be refused in %s", event, from)
					assert.Equal(t, string(from), f.Current())
					return
				}
				require.NoError(t, err)
				assert.Equal(t, string(to), f.Current())
				assert.Equal(t, event, m.Describe(from, to), "Describe names the move")
			})
		}
	}
}

// The table follows the list: a machine derived from other phases has their line and no other.
func TestMachineDerivedFromTheList(t *testing.T) {
	m := NewMachine([]v1alpha1.Phase{v1alpha1.PhaseStorageReady, v1alpha1.PhaseServing})
	assert.Equal(t, []v1alpha1.Phase{v1alpha1.PhasePending, v1alpha1.PhaseStorageReady, v1alpha1.PhaseServing, v1alpha1.PhaseDegraded}, m.Phases)
	f := m.At(v1alpha1.PhaseStorageReady)
	require.NoError(t, f.Event(context.Background(), ReachEvent(v1alpha1.PhaseServing)))
	assert.Error(t, m.At(v1alpha1.PhasePending).Event(context.Background(), ReachEvent(v1alpha1.PhaseDatabaseReady)))
}

func TestDescribeUnknownMove(t *testing.T) {
	assert.Equal(t, "", NewPipeline(nil).Machine.Describe(v1alpha1.PhasePending, v1alpha1.PhaseServing),
		"several steps in one pass have no single event")
}
