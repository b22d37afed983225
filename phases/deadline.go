package phases

import (
	"time"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// defaultDatabaseTimeout applies when the spec leaves database.readyTimeout empty.
const defaultDatabaseTimeout = 10 * time.Minute

// withDeadline reports a database that has been waited for longer than database.readyTimeout as
// DatabaseTimeout (still waiting, and still saying what is missing), and before that asks to be
// woken at the deadline, since a clock cannot be watched.
//
// The clock starts at origin: the later of the DittoFS's creation and the creation of what it
// waits on (the Percona cluster, or the user's Secret). Both are observable on every pass and
// never change, so nothing needs remembering in status and the message is the same on every
// pass (a converged object costs no write); a cluster or Secret made anew restarts the clock.
// The timeout is about a database that never comes: once the server has served, a database that
// stops being usable degrades the DittoFS at once, with the waiting reason.
func withDeadline(s *Scope, origin time.Time, err error) error {
	d := s.DittoFS
	blocked := AsBlocked(err)
	if blocked == nil || d.Status.ServedAt != nil {
		return err
	}
	timeout := defaultDatabaseTimeout
	if t := d.Spec.Database.ReadyTimeout; t != nil {
		timeout = t.Duration
	}
	deadline := origin.Add(timeout)
	if wait := deadline.Sub(s.Now()); wait > 0 {
		return RetryBlocked(err, wait)
	}
	return Block(v1alpha1.ReasonDatabaseTimeout, "The database is still not usable %s after %s (database.readyTimeout); still waiting. %s",
		timeout, origin.UTC().Format(time.RFC3339), blocked.Message)
}
