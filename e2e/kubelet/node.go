package kubelet

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
	"github.com/dittofs/dittofs-operator/phases"
)

// Node plays the kubelet for every DittoFS server pod in the cluster: each StatefulSet the
// operator writes gets a local dfs process (a Pod). Locate tells the operator where each one is.
type Node struct {
	dir, dfsBinary string
	c              client.Client

	mu   sync.Mutex
	pods map[types.NamespacedName]*Pod
	// Errors receives the failure of any pod that could not start.
	Errors chan error
}

// NewNode keeps its pods' files under dir and runs dfsBinary for them.
func NewNode(dir, dfsBinary string, c client.Client) *Node {
	return &Node{dir: dir, dfsBinary: dfsBinary, c: c, pods: map[types.NamespacedName]*Pod{}, Errors: make(chan error, 16)}
}

// Locate is phases.ServerAccess.Locate for servers run by this node. It reserves the pod's ports
// on first use, so the operator can be told where a server will be before it runs.
func (n *Node) Locate(d *v1alpha1.DittoFS) phases.ServerLocation {
	p, err := n.Pod(types.NamespacedName{Namespace: d.Namespace, Name: d.Name})
	if err != nil {
		// Unreachable on purpose: the operator then reports the server as unreachable.
		return phases.ServerLocation{BaseURL: "http://127.0.0.1:1"}
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

// Run starts a pod for each DittoFS StatefulSet as it appears, until ctx ends, then stops them.
func (n *Node) Run(ctx context.Context) {
	started := map[types.NamespacedName]bool{}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	defer n.stopAll()
	for {
		var list appsv1.StatefulSetList
		if err := n.c.List(ctx, &list, client.MatchingLabels{specs.ManagedByLabel: specs.ManagedBy}); err == nil {
			for _, sts := range list.Items {
				key := types.NamespacedName{Namespace: sts.Namespace, Name: sts.Labels[specs.InstanceLabel]}
				if started[key] {
					continue
				}
				started[key] = true
				go n.start(ctx, key)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (n *Node) start(ctx context.Context, key types.NamespacedName) {
	p, err := n.Pod(key)
	if err == nil {
		err = p.Run(ctx, n.c, key, n.dfsBinary)
	}
	if err != nil {
		n.Errors <- fmt.Errorf("pod of DittoFS %s: %w", key, err)
	}
}

func (n *Node) stopAll() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, p := range n.pods {
		_ = p.Stop()
	}
}
