package phases

import (
	"github.com/looplab/fsm"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// Events of the phase machine: one per main step, plus degrade and recover.
const (
	EventStorage  = "storage"
	EventDatabase = "database"
	EventConfig   = "config"
	EventServe    = "serve"
	// EventDegrade leaves any phase for Degraded once the server has served.
	EventDegrade = "degrade"
	// EventRecover brings a Degraded server back to Serving.
	EventRecover = "recover"
)

// Transitions is the whole machine. Adding a phase means adding a step and one line here.
var Transitions = fsm.Events{
	{Name: EventStorage, Src: []string{s(v1alpha1.PhasePending)}, Dst: s(v1alpha1.PhaseStorageReady)},
	{Name: EventDatabase, Src: []string{s(v1alpha1.PhaseStorageReady)}, Dst: s(v1alpha1.PhaseDatabaseReady)},
	{Name: EventConfig, Src: []string{s(v1alpha1.PhaseDatabaseReady)}, Dst: s(v1alpha1.PhaseConfigReady)},
	{Name: EventServe, Src: []string{s(v1alpha1.PhaseConfigReady)}, Dst: s(v1alpha1.PhaseServing)},
	{Name: EventDegrade, Src: []string{
		s(v1alpha1.PhasePending), s(v1alpha1.PhaseStorageReady), s(v1alpha1.PhaseDatabaseReady),
		s(v1alpha1.PhaseConfigReady), s(v1alpha1.PhaseServing),
	}, Dst: s(v1alpha1.PhaseDegraded)},
	{Name: EventRecover, Src: []string{s(v1alpha1.PhaseDegraded)}, Dst: s(v1alpha1.PhaseServing)},
}

// NewMachine returns the phase machine standing in the given phase.
func NewMachine(initial v1alpha1.Phase) *fsm.FSM {
	return fsm.NewFSM(s(initial), Transitions, fsm.Callbacks{})
}

// AllPhases lists every phase in the order a new DittoFS meets them.
var AllPhases = []v1alpha1.Phase{
	v1alpha1.PhasePending, v1alpha1.PhaseStorageReady, v1alpha1.PhaseDatabaseReady,
	v1alpha1.PhaseConfigReady, v1alpha1.PhaseServing, v1alpha1.PhaseDegraded,
}

// TransitionEvent names the event that explains a move between two reported phases, so that an
// operator event can say "recover" or "degrade" rather than just two phase names. It returns ""
// when the machine has no single event for the move (several steps were passed in one reconcile).
func TransitionEvent(from, to v1alpha1.Phase) string {
	for _, t := range Transitions {
		if t.Dst != s(to) {
			continue
		}
		for _, src := range t.Src {
			if src == s(from) {
				return t.Name
			}
		}
	}
	return ""
}

func s(p v1alpha1.Phase) string { return string(p) }
