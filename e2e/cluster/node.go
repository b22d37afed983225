package cluster

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// nodeAnnotation marks the nodes kwok manages (--manage-nodes-with-annotation-selector).
const nodeAnnotation = "kwok.x-k8s.io/node"

// createNode registers the fake node and waits until kwok reports it Ready and holds its Lease
// (without the Lease the node would go NotReady after the grace period; see nodeMonitorGracePeriod).
// It has no taint, so ordinary pods (the operator's) land on it without tolerations.
func (c *Cluster) createNode(ctx context.Context) error {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse("64"),
		corev1.ResourceMemory:           resource.MustParse("256Gi"),
		corev1.ResourcePods:             *resource.NewQuantity(int64(c.maxPods), resource.DecimalSI),
		corev1.ResourceEphemeralStorage: resource.MustParse("1Ti"),
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: c.NodeName,
			Labels: map[string]string{
				"kubernetes.io/hostname": c.NodeName,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     "amd64",
				"type":                   "kwok",
			},
			Annotations: map[string]string{
				nodeAnnotation:                 "fake",
				"node.alpha.kubernetes.io/ttl": "0",
			},
		},
		Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
	}
	if _, err := c.Clientset.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create node %s: %w", c.NodeName, err)
	}
	var seen string
	for {
		if err := c.Healthy(); err != nil {
			return err
		}
		n, err := c.Clientset.CoreV1().Nodes().Get(ctx, c.NodeName, metav1.GetOptions{})
		if err != nil {
			seen = err.Error()
		} else if ready, why := nodeReady(n); !ready {
			seen = why
		} else if renewed, why := c.leaseRenewed(ctx); !renewed {
			seen = why
		} else {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("node %s not Ready (last seen: %s; kwok log: %s): %w", c.NodeName, seen, c.logs["kwok"], ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// leaseRenewed reports whether the node's Lease in kube-node-lease has been renewed, and
// otherwise what is missing.
func (c *Cluster) leaseRenewed(ctx context.Context) (bool, string) {
	l, err := c.Clientset.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, c.NodeName, metav1.GetOptions{})
	if err != nil {
		return false, "lease: " + err.Error()
	}
	if l.Spec.RenewTime == nil {
		return false, "lease never renewed"
	}
	return true, ""
}

// nodeReady reports whether n is Ready and schedulable, and otherwise what is missing.
func nodeReady(n *corev1.Node) (bool, string) {
	for _, t := range n.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute {
			return false, "taint " + t.Key
		}
	}
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			if cond.Status == corev1.ConditionTrue {
				return true, ""
			}
			return false, fmt.Sprintf("Ready=%s (%s)", cond.Status, cond.Reason)
		}
	}
	return false, "no Ready condition yet"
}
