package faults

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// TestKillOperator is scenario 1: SIGKILL the operator at a random point of each step of the
// full lifecycle, start it again, and compare the end state with the undisturbed run's. The
// kill lands after a delay drawn between zero and the time the undisturbed run took to converge
// on that step, so it falls anywhere in the work. There are 10 kills (one per step), 100 in the
// long run (FAULTS_LONG=1, make faults); FAULTS_KILLS sets another number, FAULTS_SEED replays.
func TestKillOperator(t *testing.T) {
	rng := seeded(t)
	kills := envInt(t, "FAULTS_KILLS", 10)
	if long() {
		kills = envInt(t, "FAULTS_KILLS", 100)
	}
	e := newEnv(t, "kill9")
	ctx := context.Background()
	tl := &tally{scenario: "kill9"}
	defer tl.report(t)

	// The undisturbed run: every step once with no fault, its end states and durations recorded.
	ref := newPass(e, "faults-ref", rng)
	refStates := make([]state, len(lifecycle))
	refTook := make([]time.Duration, len(lifecycle))
	for i := range lifecycle {
		st, took, err := ref.step(ctx, i, nil, settled(lifecycle[i], ref), tl)
		if err != nil {
			t.Fatalf("undisturbed run, step %s: %v", lifecycle[i].name, err)
		}
		refStates[i], refTook[i] = st, took
		t.Logf("undisturbed %-16s converged in %s", lifecycle[i].name, took.Round(10*time.Millisecond))
	}

	var p *pass
	for k := range kills {
		i := k % len(lifecycle)
		if i == 0 {
			p = newPass(e, fmt.Sprintf("faults-p%02d", k/len(lifecycle)+1), rng)
		}
		delay := time.Duration(rng.Int64N(int64(refTook[i]) + 1))
		kill := func() error {
			// Fault injection, not synchronisation: the delay picks where in the work the kill lands.
			time.Sleep(delay)
			if err := e.op.kill(); err != nil {
				return err
			}
			return e.op.start()
		}
		tl.runs++
		st, took, err := p.step(ctx, i, kill, sameAs(refStates[i]), tl)
		if err != nil {
			tl.duplicates += duplicates(refStates[i], st)
			t.Fatalf("run %d (%s, %s, killed after %s): %v", k+1, p.obs.name, lifecycle[i].name, delay.Round(time.Millisecond), err)
		}
		tl.converged++
		t.Logf("run %3d %s %-16s killed after %6s, converged in %s", k+1, p.obs.name, lifecycle[i].name,
			delay.Round(time.Millisecond), took.Round(10*time.Millisecond))
	}
}

// pass is one DittoFS taken through the lifecycle.
type pass struct {
	obs    observer
	spec   v1alpha1.DittoFSSpec
	ledger *ledger
	podUID string
	rng    *rand.Rand
}

func newPass(e *env, name string, rng *rand.Rand) *pass {
	return &pass{obs: observer{e: e, name: name, pod: e.pod(name)}, spec: initialSpec(), ledger: newLedger(), rng: rng}
}

// step makes lifecycle change i, runs fault (if any), waits until done says the end state is
// reached, then checks what must hold after any step: the pod rolled or stayed as the step
// demands, no Secret regenerated, no claim replaced, every file written so far still there;
// finally it writes one more file into each served share.
func (p *pass) step(ctx context.Context, i int, fault func() error, done func(state) (bool, string), tl *tally) (state, time.Duration, error) {
	s := lifecycle[i]
	e := p.obs.e
	s.change(&p.spec)
	if s.action == actDelete || s.action == actSetDeleteAndDelete {
		if err := e.waitGC(ctx); err != nil {
			return state{}, 0, err
		}
	}
	start := time.Now()
	if err := apply(ctx, e.k8s, e.ns, p.obs.name, s.action, p.spec); err != nil {
		return state{}, 0, err
	}
	if fault != nil {
		if err := fault(); err != nil {
			return state{}, 0, err
		}
	}
	st, err := p.obs.waitFor(ctx, s.name, done)
	took := time.Since(start)
	if err != nil {
		return st, took, err
	}
	var problems []string
	if s.rolls != nil && p.podUID != "" {
		if rolled := st.PodUID != p.podUID; rolled != *s.rolls {
			problems = append(problems, fmt.Sprintf("pod rolled=%t, want %t (uid %s -> %s)", rolled, *s.rolls, p.podUID, st.PodUID))
		}
	}
	p.podUID = st.PodUID
	if s.action == actSetDeleteAndDelete {
		p.ledger.forget() // the Delete policy takes the volumes and Secrets away on purpose
	}
	problems = append(problems, p.ledger.check(ctx, p.obs, st, tl)...)
	if len(problems) > 0 {
		return st, took, fmt.Errorf("after %s:\n  %s", s.name, strings.Join(problems, "\n  "))
	}
	if err := p.ledger.write(ctx, p.obs, st, fmt.Sprintf("%s-%02d", s.name, i), p.rng); err != nil {
		return st, took, err
	}
	return st, took, nil
}

// settled is the end of a step in the undisturbed run, which has nothing to compare with yet:
// the operator reports Ready for the current generation and the real state agrees with the spec
// (the server serves exactly the spec's shares; the objects a deletion leaves are exactly those
// its policy keeps).
func settled(s step, p *pass) func(state) (bool, string) {
	return func(st state) (bool, string) {
		has := func(prefix string) int {
			n := 0
			for _, l := range st.Lines {
				if strings.HasPrefix(l, prefix) {
					n++
				}
			}
			return n
		}
		switch s.action {
		case actDelete, actSetDeleteAndDelete:
			kept := 0
			if s.action == actDelete {
				kept = 1
			}
			switch {
			case has("dittofs ") > 0 || has("statefulset ") > 0 || has("service ") > 0 || has("configmap ") > 0:
				return false, "objects of the deleted DittoFS remain:\n" + strings.Join(st.Lines, "\n")
			case has("claim ") != 3*kept || has("secret ") != 2*kept:
				return false, fmt.Sprintf("want %d claims and %d Secrets kept:\n%s", 3*kept, 2*kept, strings.Join(st.Lines, "\n"))
			}
			return true, ""
		}
		if has("dittofs ") != 1 || !slices.ContainsFunc(st.Lines, func(l string) bool { return strings.Contains(l, "phase=Serving ready=True") }) {
			return false, "not Ready for this generation:\n" + strings.Join(st.Lines, "\n")
		}
		var want []string
		for _, sh := range p.spec.Shares {
			want = append(want, sh.Name)
		}
		slices.Sort(want)
		if !slices.Equal(want, st.Enabled) {
			return false, fmt.Sprintf("server serves %v, spec says %v", st.Enabled, want)
		}
		if s.rolls != nil && *s.rolls && st.PodUID == p.podUID {
			return false, "pod not rolled yet"
		}
		return true, ""
	}
}
