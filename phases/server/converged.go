package server

import (
	"time"

	"github.com/dittofs/dittofs-operator/phases"
)

// Converged is what a sub-phase's last converged pass against one server saw: a hash of
// everything that pass depended on (the spec's generation, the configuration, which server
// process answered, credentials it sent), a hash of the status it reported, when, and what it
// concluded. The server's API cannot be watched, so this is how a sub-phase tells that nothing
// can have changed since, and leaves the server alone until the resync clock says otherwise.
type Converged struct {
	Inputs, Status string
	At             time.Time
	Outcome        phases.Outcome
}

// StillConverged returns the outcome of the last converged pass of step, asking to look again
// when the resync period since that pass is over, if the pass saw the same inputs and reported
// the same status as now and that period is not over yet. Otherwise ok is false: the step must
// talk to the server.
func (s *Session) StillConverged(step, inputs, status string, now time.Time, resync time.Duration) (out phases.Outcome, ok bool) {
	s.mu.Lock()
	last, found := s.converged[step]
	s.mu.Unlock()
	if !found || last.Inputs != inputs || last.Status != status {
		return phases.Outcome{}, false
	}
	left := last.At.Add(resync).Sub(now)
	if left <= 0 {
		return phases.Outcome{}, false
	}
	out = last.Outcome
	out.RequeueAfter = left
	return out, true
}

// RecordConverged remembers a converged pass of step; ForgetConverged, called after a pass that
// did not converge, makes the next pass talk to the server again.
func (s *Session) RecordConverged(step string, c Converged) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.converged == nil {
		s.converged = map[string]Converged{}
	}
	s.converged[step] = c
}

// ForgetConverged drops what RecordConverged remembered for step.
func (s *Session) ForgetConverged(step string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.converged, step)
}
