package faults

import (
	"context"
	"testing"
	"time"
)

// outage is how long kube-apiserver stays down in scenario 2.
const outage = 30 * time.Second

// TestAPIServerOutage is scenario 2: kube-apiserver is killed while the operator works on a
// change (a config field that rolls the pod; in the long run first a share added), stays down
// for 30 s, and comes
// back. The operator must survive it, or exit and start again cleanly (its process is then
// restarted, as its Deployment would), and converge: the server serves what the spec says, no
// object is duplicated, no Secret regenerated, no claim replaced, every file still there.
func TestAPIServerOutage(t *testing.T) {
	rng := seeded(t)
	e := newEnv(t, "apiserver")
	ctx := context.Background()
	tl := &tally{scenario: "apiserver"}
	defer tl.report(t)

	p := newPass(e, "faults-api", rng)
	before, _, err := p.step(ctx, 0, nil, settled(lifecycle[0], p), tl)
	if err != nil {
		t.Fatalf("create, undisturbed: %v", err)
	}
	// The short run takes the API server away once, while the pod rolls; the long run also while
	// a share is added.
	steps := []int{stepIndex(t, "roll-config")}
	if long() {
		steps = []int{stepIndex(t, "add-share"), stepIndex(t, "roll-config")}
	}
	for _, i := range steps {
		delay := time.Duration(rng.Int64N(int64(500 * time.Millisecond)))
		restarted := false
		fault := func() error {
			// Fault injection, not synchronisation: the delay picks where in the work the API
			// server goes away, and the outage lasts as long as the scenario says.
			time.Sleep(delay)
			if err := e.c.StopAPIServer(); err != nil {
				return err
			}
			time.Sleep(outage)
			if err := e.c.StartAPIServer(); err != nil {
				return err
			}
			if err := e.op.exited(); err != nil {
				t.Logf("the operator exited during the outage; starting it again: %v", err)
				restarted = true
				e.op.forget()
				return e.op.start()
			}
			return nil
		}
		tl.runs++
		st, took, err := p.step(ctx, i, fault, settled(lifecycle[i], p), tl)
		tl.duplicates += duplicatesBesidesShares(before, st)
		if err != nil {
			t.Fatalf("%s with the API server down for %s after %s: %v", lifecycle[i].name, outage, delay.Round(time.Millisecond), err)
		}
		tl.converged++
		t.Logf("%-12s API server down %s after %s; operator restarted=%t; converged %s after it came back",
			lifecycle[i].name, outage, delay.Round(time.Millisecond), restarted, (took - delay - outage).Round(10*time.Millisecond))
		before = st
	}
}

// stepIndex finds a lifecycle step by name.
func stepIndex(t *testing.T, name string) int {
	for i, s := range lifecycle {
		if s.name == name {
			return i
		}
	}
	t.Fatalf("no lifecycle step %s", name)
	return -1
}

// duplicatesBesidesShares counts objects beyond those of before, of every kind but shares,
// whose number the step itself changes (settled checks them against the spec).
func duplicatesBesidesShares(before, after state) int {
	b, a := before, after
	b.Lines, a.Lines = withoutKind(b.Lines, "share"), withoutKind(a.Lines, "share")
	return duplicates(b, a)
}

func withoutKind(lines []string, kind string) []string {
	var out []string
	for _, l := range lines {
		if len(l) > len(kind) && l[:len(kind)+1] == kind+" " {
			continue
		}
		out = append(out, l)
	}
	return out
}
