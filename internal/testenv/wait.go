package testenv

import (
	"testing"
	"time"
)

// Eventually polls check until it returns nil or timeout passes, then fails the test with the
// last thing check saw. Tests wait on what they can observe, never on a sleep.
func Eventually(t testing.TB, timeout time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		last := check()
		if last == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s; last seen: %v", timeout, what, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
