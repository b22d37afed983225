package controllers

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// TestConvergedObjectCostsNoWrites counts the operator's write requests on the wire while it
// reconciles a converged DittoFS several times: there must be none.
func TestConvergedObjectCostsNoWrites(t *testing.T) {
	ns := newNamespace(t)
	op := startOperator(t, ns)
	d := newDittoFS(ns, "steady")
	d = createBound(t, d)
	setPodReady(t, d, true)
	waitFor(t, ns, "steady", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	// Let the reconcile triggered by the last status patch finish before counting.
	settle(t, op)

	writes := op.writes.Load()
	poke(t, op, ns, "steady", 5)
	settle(t, op)
	assert.Equal(t, int64(0), op.writes.Load()-writes, "a converged DittoFS must cost zero writes per reconcile")
}

// settle waits until the operator has gone a few polls without a new reconcile.
func settle(t testing.TB, op *operator) {
	t.Helper()
	last, quiet := op.reconciles.Load(), 0
	eventually(t, timeout, "the operator to go quiet", func() error {
		now := op.reconciles.Load()
		if now != last {
			last, quiet = now, 0
			return fmt.Errorf("still reconciling")
		}
		if quiet++; quiet < 10 {
			return fmt.Errorf("quiet for %d polls", quiet)
		}
		return nil
	})
}
