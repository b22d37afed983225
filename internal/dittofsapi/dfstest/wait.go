package dfstest

import (
	"testing"
	"time"
)

// Eventually calls check every interval until it reports done, and fails t
// with check's last status when timeout passes first. It is the only way
// these tests wait: on a condition, never for a fixed time.
func Eventually(t testing.TB, timeout, interval time.Duration, check func() (done bool, status string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		done, status := check()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s; last seen: %s", timeout, status)
		}
		time.Sleep(interval) // poll interval inside a deadline loop
	}
}
