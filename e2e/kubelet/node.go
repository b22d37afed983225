package kubelet

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
	"github.com/dittofs/dittofs-operator/phases/server"
)

// Crash-loop backoff of a real kubelet: 10s after the first exit, doubling up to 5 minutes.
const (
	initialBackoff = 10 * time.Second
	maxBackoff     = 5 * time.Minute
	syncPeriod     = 200 * time.Millisecond
	probePeriod    = time.Second // the readiness probe's period
)

// Node plays the kubelet for every DittoFS server pod in the cluster: each StatefulSet the
// operator writes gets a local dfs process (a Pod). Locate tells the operator where each one is.
type Node struct {
	dir, dfsBinary string
	c              client.Client

	mu   sync.Mutex
	pods map[types.NamespacedName]*Pod
	// Errors receives the failure of any pod that could not start (the node keeps retrying).
	Errors chan error
}

// NewNode keeps its pods' files under dir and runs dfsBinary for them.
func NewNode(dir, dfsBinary string, c client.Client) *Node {
	return &Node{dir: dir, dfsBinary: dfsBinary, c: c, pods: map[types.NamespacedName]*Pod{}, Errors: make(chan error, 16)}
}

// Locate is phases.ServerAccess.Locate for servers run by this node. It reserves the pod's ports
// on first use, so the operator can be told where a server will be before it runs.
func (n *Node) Locate(d *v1alpha1.DittoFS) server.Location {
	p, err := n.Pod(types.NamespacedName{Namespace: d.Namespace, Name: d.Name})
	if err != nil {
		// Unreachable on purpose: the operator then reports the server as unreachable.
		return server.Location{BaseURL: "http://127.0.0.1:1"}
	}
	return p.Location()
}

// Pod returns the pod of one DittoFS, preparing it on first use.
func (n *Node) Pod(key types.NamespacedName) (*Pod, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if p, ok := n.pods[key]; ok {
		return p, nil
	}
	p, err := New(filepath.Join(n.dir, key.Namespace+"-"+key.Name))
	if err != nil {
		return nil, err
	}
	n.pods[key] = p
	return p, nil
}

// Run looks after a pod for each DittoFS StatefulSet as it appears, until ctx ends, then stops
// every server.
func (n *Node) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	started := map[types.NamespacedName]bool{}
	tick := time.NewTicker(syncPeriod)
	defer tick.Stop()
	for {
		var list appsv1.StatefulSetList
		if err := n.c.List(ctx, &list, client.MatchingLabels{specs.ManagedByLabel: specs.ManagedBy}); err == nil {
			for _, sts := range list.Items {
				key := types.NamespacedName{Namespace: sts.Namespace, Name: sts.Labels[specs.InstanceLabel]}
				if started[key] {
					continue
				}
				started[key] = true
				wg.Add(1)
				go func() { defer wg.Done(); n.supervise(ctx, key, sts.Name) }()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// container is what the node knows of one pod's dfs container between syncs.
type container struct {
	podUID    types.UID
	restarts  int32
	backoff   time.Duration
	nextStart time.Time // after a crash: when the backoff allows the next start
	lastExit  *corev1.ContainerStateTerminated
	startedAt time.Time
	ready     bool      // what the last readiness probe (GET /health) said
	probedAt  time.Time // when it ran
}

// supervise runs the dfs of one DittoFS for as long as its pod exists, as the kubelet runs a
// container with restartPolicy Always. It never gives up: a failed start is retried.
func (n *Node) supervise(ctx context.Context, key types.NamespacedName, stsName string) {
	p, err := n.Pod(key)
	if err != nil {
		n.report(fmt.Errorf("pod of DittoFS %s: %w", key, err))
		return
	}
	defer func() { _ = p.Stop() }()
	var st container
	tick := time.NewTicker(syncPeriod)
	defer tick.Stop()
	for {
		n.syncOnce(ctx, key, stsName, p, &st)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// syncOnce compares the pod the API server has with the process that runs, and acts once.
func (n *Node) syncOnce(ctx context.Context, key types.NamespacedName, stsName string, p *Pod, st *container) {
	sts := &appsv1.StatefulSet{}
	pod := &corev1.Pod{}
	podKey := types.NamespacedName{Namespace: key.Namespace, Name: stsName + "-0"}
	stsErr := n.c.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: stsName}, sts)
	podErr := n.c.Get(ctx, podKey, pod)
	if apierrors.IsNotFound(stsErr) || apierrors.IsNotFound(podErr) || (podErr == nil && pod.DeletionTimestamp != nil) {
		// The pod is gone or going: so is its container.
		if up, _ := p.running(); up {
			_ = p.Stop()
		}
		*st = container{}
		return
	}
	if stsErr != nil || podErr != nil {
		return // the API server is unreachable: keep running what runs, as a kubelet does
	}
	up, crashed := p.running()
	if up && pod.UID != st.podUID {
		// A new pod of the same name (a roll): the old container ends, a new one starts.
		_ = p.Stop()
		up, crashed = false, false
	}
	if pod.UID != st.podUID {
		*st = container{podUID: pod.UID}
	}
	if !up && crashed && st.nextStart.IsZero() {
		// The container exited by itself: count the restart and back off before the next one.
		if st.backoff = st.backoff * 2; st.backoff == 0 {
			st.backoff = initialBackoff
		}
		st.backoff = min(st.backoff, maxBackoff)
		st.nextStart = time.Now().Add(st.backoff)
		st.restarts++
		st.lastExit = &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "Error", StartedAt: metaTime(st.startedAt), FinishedAt: metaTime(time.Now())}
	}
	if !up && time.Now().After(st.nextStart) {
		spec, err := specOf(sts)
		if err == nil {
			err = p.start(ctx, n.c, key.Namespace, spec, n.dfsBinary)
		}
		if err != nil {
			n.report(fmt.Errorf("pod of DittoFS %s: %w", key, err))
			st.nextStart = time.Now().Add(time.Second)
		} else {
			up, st.nextStart, st.startedAt = true, time.Time{}, time.Now()
		}
	}
	if up && time.Since(st.startedAt) > 10*time.Minute {
		st.backoff = 0 // a container that ran for 10 minutes starts its next backoff afresh
	}
	if !up {
		st.ready = false
	} else if time.Since(st.probedAt) >= probePeriod {
		st.ready, st.probedAt = p.healthy(), time.Now()
	}
	n.syncStatus(ctx, pod, st, up)
}

// report hands an error to whoever reads Errors, without ever blocking the node.
func (n *Node) report(err error) {
	select {
	case n.Errors <- err:
	default:
	}
}
