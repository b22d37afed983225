package cluster

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	watchtools "k8s.io/client-go/tools/watch"
)

// testNodeStaysReady keeps the cluster up past the node lifecycle controller's grace period and
// checks that nothing decays meanwhile: kwok renews the node's Lease in kube-node-lease, the node
// stays Ready and untainted, and a pod that got Ready stays Ready. It watches all three, so even
// a flip that kwok undoes at once is seen. It ends when a Lease renewal stamped later than
// start + grace period + two monitor periods arrives: by then the controller has checked the
// node at least once after the grace period ran out since the test began.
func testNodeStaysReady(t *testing.T, c *Cluster) {
	grace := c.NodeMonitorGracePeriod
	ctx, cancel := context.WithTimeout(context.Background(), grace+60*time.Second)
	defer cancel()
	start := time.Now()
	target := start.Add(grace + 2*nodeMonitorPeriod)
	cs := c.Clientset
	ns := "e2e-heartbeat"
	_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	require.NoError(t, err)

	nodes := watchNamed(t, ctx, c.NodeName, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		return cs.CoreV1().Nodes().List(ctx, o)
	}, func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
		return cs.CoreV1().Nodes().Watch(ctx, o)
	})
	leases := watchNamed(t, ctx, c.NodeName, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		return cs.CoordinationV1().Leases(corev1.NamespaceNodeLease).List(ctx, o)
	}, func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
		return cs.CoordinationV1().Leases(corev1.NamespaceNodeLease).Watch(ctx, o)
	})
	pods := watchNamed(t, ctx, "idle", func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		return cs.CoreV1().Pods(ns).List(ctx, o)
	}, func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
		return cs.CoreV1().Pods(ns).Watch(ctx, o)
	})
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "idle", Namespace: ns},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "idle", Image: "example.invalid/idle:1", // never pulled: kwok runs no containers
		}}},
	}
	_, err = cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	require.NoError(t, err)

	// seen is the timeline printed on failure (and its summary on success).
	var seen []string
	note := func(format string, args ...any) {
		seen = append(seen, fmt.Sprintf("+%5.1fs ", time.Since(start).Seconds())+fmt.Sprintf(format, args...))
	}
	fail := func(format string, args ...any) {
		t.Fatalf("%s (grace period %s); saw:\n%s\n%s", fmt.Sprintf(format, args...), grace, strings.Join(seen, "\n"), describe(c, ns))
	}
	var podReadyAt time.Time
	var renewals int
	var lastRenew time.Time
	health := time.NewTicker(time.Second)
	defer health.Stop()
	for {
		select {
		case ev, ok := <-nodes:
			if !ok {
				fail("node watch ended")
			}
			n, isNode := ev.Object.(*corev1.Node)
			if !isNode {
				fail("node watch: %s %T", ev.Type, ev.Object)
			}
			if ready, why := nodeReady(n); !ready {
				note("node %s not Ready: %s", n.Name, why)
				fail("node %s went not Ready after %s", n.Name, time.Since(start).Round(time.Second))
			}
		case ev, ok := <-pods:
			if !ok {
				fail("pod watch ended")
			}
			p, isPod := ev.Object.(*corev1.Pod)
			if !isPod {
				fail("pod watch: %s %T", ev.Type, ev.Object)
			}
			ready := ev.Type != watch.Deleted && podReady(p)
			switch {
			case ready && podReadyAt.IsZero():
				podReadyAt = time.Now()
				note("pod %s Ready", p.Name)
			case !ready && !podReadyAt.IsZero():
				note("pod %s %s, phase %s, conditions %v", p.Name, ev.Type, p.Status.Phase, p.Status.Conditions)
				fail("pod %s was Ready and is no longer", p.Name)
			}
		case ev, ok := <-leases:
			if !ok {
				fail("lease watch ended")
			}
			l, isLease := ev.Object.(*coordinationv1.Lease)
			if !isLease || ev.Type == watch.Deleted {
				fail("lease watch: %s %T", ev.Type, ev.Object)
			}
			if l.Spec.RenewTime == nil || !l.Spec.RenewTime.After(lastRenew) {
				continue
			}
			lastRenew = l.Spec.RenewTime.Time
			if renewals++; renewals == 1 {
				note("lease %s/%s renewed at %s (holder %v, duration %vs)", l.Namespace, l.Name,
					lastRenew.Format(time.RFC3339Nano), deref(l.Spec.HolderIdentity), deref(l.Spec.LeaseDurationSeconds))
			}
			if lastRenew.After(target) && !podReadyAt.IsZero() {
				note("lease renewed %d times, last at %s", renewals, lastRenew.Format(time.RFC3339Nano))
				// The watches saw no flip; read back once more in case an event is still in flight.
				n, err := cs.CoreV1().Nodes().Get(ctx, c.NodeName, metav1.GetOptions{})
				require.NoError(t, err)
				if ready, why := nodeReady(n); !ready {
					fail("node %s not Ready at the end: %s", n.Name, why)
				}
				p, err := cs.CoreV1().Pods(ns).Get(ctx, "idle", metav1.GetOptions{})
				require.NoError(t, err)
				if !podReady(p) {
					fail("pod %s not Ready at the end: %v", p.Name, p.Status.Conditions)
				}
				t.Logf("node and pod stayed Ready for %s (grace period %s):\n%s",
					time.Since(start).Round(100*time.Millisecond), grace, strings.Join(seen, "\n"))
				return
			}
		case <-health.C:
			if err := c.Healthy(); err != nil {
				fail("%v", err)
			}
		case <-ctx.Done():
			if renewals == 0 {
				note("no Lease %s/%s ever renewed", corev1.NamespaceNodeLease, c.NodeName)
			} else {
				note("lease renewed %d times, last at %s", renewals, lastRenew.Format(time.RFC3339Nano))
			}
			fail("no Lease renewal past %s before the deadline", target.Format(time.RFC3339Nano))
		}
	}
}

// watchNamed lists then watches the one object called name, retrying the watch if the API server
// closes it, and returns its events (the ADDED of the list included) until ctx ends.
func watchNamed(t *testing.T, ctx context.Context,
	name string, list func(context.Context, metav1.ListOptions) (runtime.Object, error),
	w func(context.Context, metav1.ListOptions) (watch.Interface, error),
) <-chan watch.Event {
	t.Helper()
	selector := fields.OneTermEqualSelector("metadata.name", name).String()
	obj, err := list(ctx, metav1.ListOptions{FieldSelector: selector})
	require.NoError(t, err)
	lm, err := meta.ListAccessor(obj)
	require.NoError(t, err)
	items, err := itemsOf(obj)
	require.NoError(t, err)
	rw, err := watchtools.NewRetryWatcherWithContext(ctx, lm.GetResourceVersion(), watcherFunc(func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
		o.FieldSelector = selector
		return w(ctx, o)
	}))
	require.NoError(t, err)
	out := make(chan watch.Event)
	go func() {
		defer close(out)
		defer rw.Stop()
		for _, it := range items {
			select {
			case out <- watch.Event{Type: watch.Added, Object: it}:
			case <-ctx.Done():
				return
			}
		}
		for {
			select {
			case ev, ok := <-rw.ResultChan():
				if !ok {
					return
				}
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// itemsOf returns the items of a typed list as objects.
func itemsOf(list runtime.Object) ([]runtime.Object, error) {
	switch l := list.(type) {
	case *corev1.NodeList:
		return objects(l.Items), nil
	case *corev1.PodList:
		return objects(l.Items), nil
	case *coordinationv1.LeaseList:
		return objects(l.Items), nil
	}
	return nil, fmt.Errorf("unexpected list %T", list)
}

func objects[T any, P interface {
	*T
	runtime.Object
}](items []T) []runtime.Object {
	out := make([]runtime.Object, 0, len(items))
	for i := range items {
		out = append(out, P(&items[i]))
	}
	return out
}

// watcherFunc adapts a function to cache.WatcherWithContext.
type watcherFunc func(context.Context, metav1.ListOptions) (watch.Interface, error)

func (f watcherFunc) WatchWithContext(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return f(ctx, o)
}

func podReady(p *corev1.Pod) bool {
	for _, cond := range p.Status.Conditions {
		if cond.Type == corev1.PodReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
