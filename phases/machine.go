package phases

import (
	"github.com/looplab/fsm"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// Events of the phase machine besides the one per main step (see Machine.ReachEvent).
const (
	// EventDegrade leaves any phase for Degraded once the server has served.
	EventDegrade = "degrade"
	// EventRecover brings a Degraded server back to the last main phase (Serving). Run derives
	// the phase afresh on every pass, so it never fires it; it names the move in events.
	EventRecover = "recover"
)

// MainStep is a step of the main line: when it is done, the DittoFS has reached Phase().
type MainStep interface {
	Step
	Phase() v1alpha1.Phase
}

// Machine is the phase machine, derived from the ordered main phases and nothing else: each main
// step's event moves from the phase before it to its own, any phase but Degraded degrades, and
// Degraded recovers to the last main phase. Adding a phase is adding a step to the pipeline.
type Machine struct {
	// Phases lists every phase in the order a new DittoFS meets them: Pending, the main
	// phases, Degraded.
	Phases []v1alpha1.Phase
	// Served is the last main phase: the server serves and matches the spec.
	Served v1alpha1.Phase
	events fsm.Events
}

// NewMachine derives the machine from the phases the main steps reach, in order.
func NewMachine(main []v1alpha1.Phase) Machine {
	m := Machine{Phases: append([]v1alpha1.Phase{v1alpha1.PhasePending}, main...)}
	m.Served = m.Phases[len(m.Phases)-1]
	var degradable []string
	for i, p := range m.Phases {
		degradable = append(degradable, string(p))
		if i > 0 {
			m.events = append(m.events, fsm.EventDesc{Name: ReachEvent(p), Src: []string{string(m.Phases[i-1])}, Dst: string(p)})
		}
	}
	m.events = append(m.events,
		fsm.EventDesc{Name: EventDegrade, Src: degradable, Dst: string(v1alpha1.PhaseDegraded)},
		fsm.EventDesc{Name: EventRecover, Src: []string{string(v1alpha1.PhaseDegraded)}, Dst: string(m.Served)},
	)
	m.Phases = append(m.Phases, v1alpha1.PhaseDegraded)
	return m
}

// ReachEvent is the event a main step fires when it is done.
func ReachEvent(p v1alpha1.Phase) string { return "reach" + string(p) }

// At returns a running machine standing in phase p.
func (m Machine) At(p v1alpha1.Phase) *fsm.FSM {
	return fsm.NewFSM(string(p), m.events, fsm.Callbacks{})
}

// Events lists every event name the machine knows.
func (m Machine) Events() []string {
	names := make([]string, len(m.events))
	for i, e := range m.events {
		names[i] = e.Name
	}
	return names
}

// Describe names the event that explains a move between two reported phases, so that an
// operator event can say "recover" or "degrade" rather than just two phase names. It returns ""
// when the machine has no single event for the move (several steps were passed in one pass).
func (m Machine) Describe(from, to v1alpha1.Phase) string {
	for _, e := range m.events {
		if e.Dst != string(to) {
			continue
		}
		for _, src := range e.Src {
			if src == string(from) {
				return e.Name
			}
		}
	}
	return ""
}
