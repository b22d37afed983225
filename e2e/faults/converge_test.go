package faults

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// convergeTimeout bounds each wait for an end state. A DittoFS converges in seconds here; the
// bound only turns a hang into a failure that prints what was seen.
const convergeTimeout = 3 * time.Minute

// waitFor polls the real state until done says it is reached, and returns the last state seen.
// On timeout the error holds that state and the reason done gave.
func (o observer) waitFor(ctx context.Context, what string, done func(state) (bool, string)) (state, error) {
	ctx, cancel := context.WithTimeout(ctx, convergeTimeout)
	defer cancel()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var last state
	why := "not observed yet"
	for {
		if err := o.e.healthy(); err != nil {
			return last, err
		}
		st, err := o.observe(ctx)
		if err != nil {
			if ctx.Err() == nil { // an error caused by the deadline itself says nothing new
				why = err.Error()
			}
		} else {
			last = st
			var ok bool
			if ok, why = done(st); ok {
				return st, nil
			}
		}
		select {
		case <-ctx.Done():
			return last, fmt.Errorf("%s: not reached within %s: %s", what, convergeTimeout, why)
		case <-tick.C:
		}
	}
}

// sameAs is the wait of the kill scenario: the state equals the undisturbed run's.
func sameAs(want state) func(state) (bool, string) {
	return func(got state) (bool, string) {
		if slices.Equal(want.Lines, got.Lines) {
			return true, ""
		}
		return false, "differs from the undisturbed run:\n" + diff(want, got)
	}
}

// duplicates counts the objects of each kind beyond what the undisturbed run had.
func duplicates(want, got state) int {
	n := 0
	w := want.kinds()
	for kind, count := range got.kinds() {
		if count > w[kind] {
			n += count - w[kind]
		}
	}
	return n
}
