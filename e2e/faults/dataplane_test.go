package faults

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// TestDataPlaneDies is scenario 3: the dfs process of a served DittoFS is killed (SIGKILL, as an
// OOM kill would). The node restarts it after its crash-loop backoff and counts the restart in
// the pod's status; meanwhile the DittoFS must say Degraded with a reason, and once dfs is back
// it must be Serving again by itself, with nothing duplicated and every file still there. It
// kills twice, so the second restart waits out a doubled backoff.
func TestDataPlaneDies(t *testing.T) {
	rng := seeded(t)
	e := newEnv(t, "dataplane")
	ctx := context.Background()
	tl := &tally{scenario: "dataplane"}
	defer tl.report(t)

	p := newPass(e, "faults-dfs", rng)
	before, _, err := p.step(ctx, 0, nil, settled(lifecycle[0], p), tl)
	if err != nil {
		t.Fatalf("create, undisturbed: %v", err)
	}
	for run := 1; run <= 2; run++ {
		tl.runs++
		start := time.Now()
		if err := p.obs.pod.Kill(); err != nil {
			t.Fatal(err)
		}
		reason, err := waitDegraded(ctx, e, p.obs.name, convergeTimeout)
		if err != nil {
			t.Fatalf("kill %d: %v", run, err)
		}
		degradedAfter := time.Since(start)
		// No spec change: the same step's end state, Serving and Ready, is what must come back.
		st, err := p.obs.waitFor(ctx, "Serving again", settled(step{name: "dfs back", action: actUpdate}, p))
		if err != nil {
			t.Fatalf("kill %d: %v", run, err)
		}
		tl.duplicates += duplicates(before, st)
		if problems := p.ledger.check(ctx, p.obs, st, tl); len(problems) > 0 {
			t.Fatalf("kill %d: %v", run, problems)
		}
		restarts, err := containerRestarts(ctx, e, p.obs.name)
		if err != nil {
			t.Fatal(err)
		}
		if restarts != int32(run) {
			t.Fatalf("kill %d: the pod reports %d container restarts, want %d", run, restarts, run)
		}
		if err := p.ledger.write(ctx, p.obs, st, fmt.Sprintf("after-kill-%d", run), rng); err != nil {
			t.Fatal(err)
		}
		tl.converged++
		t.Logf("kill %d: Degraded (%s) after %s, Serving again after %s, pod restarts %d",
			run, reason, degradedAfter.Round(10*time.Millisecond), time.Since(start).Round(10*time.Millisecond), restarts)
		before = st
	}
}

// waitDegraded waits until the DittoFS says Degraded=True for its current generation, and
// returns the reason. Here the operator's status is what is under test.
func waitDegraded(ctx context.Context, e *env, name string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var seen []metav1.Condition
	for {
		d := &v1alpha1.DittoFS{}
		if err := e.k8s.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: name}, d); err == nil {
			seen = d.Status.Conditions
			if c := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionDegraded); c != nil &&
				c.Status == metav1.ConditionTrue && c.Reason != "" && d.Status.Phase == v1alpha1.PhaseDegraded {
				return c.Reason + ": " + c.Message, nil
			}
		}
		if err := e.healthy(); err != nil {
			return "", err
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("not Degraded with a reason within %s; conditions seen: %+v", timeout, seen)
		case <-tick.C:
		}
	}
}

// containerRestarts reads the restart count the node reported for the server container.
func containerRestarts(ctx context.Context, e *env, name string) (int32, error) {
	pod := &corev1.Pod{}
	if err := e.k8s.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: name + "-0"}, pod); err != nil {
		return 0, err
	}
	if len(pod.Status.ContainerStatuses) == 0 {
		return 0, fmt.Errorf("pod %s has no container status", pod.Name)
	}
	return pod.Status.ContainerStatuses[0].RestartCount, nil
}
