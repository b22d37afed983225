// Package phases holds the DittoFS phase machine and its steps.
//
// The machine (machine.go) is declared once with looplab/fsm. Each step (storage.go, database.go,
// config.go, serving.go) observes the world, makes the objects it owns converge and answers done
// or not yet, with a reason. Run (run.go) derives the phase on every reconcile: it starts at
// Pending and fires a step's event each time that step is done, so the phase is always what was
// observed, never what status said before.
package phases
