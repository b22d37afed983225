// Package kube holds small helpers for talking to the API server that the steps share.
package kube

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// SpecHashAnnotation holds the hash of the object the operator last wrote.
const SpecHashAnnotation = "dittofs.io/spec-hash"

// Preserve copies fields the API server owns (allocated IPs and ports) from the live object into
// the desired one before an update, so that an update never fights the server.
type Preserve func(live, desired client.Object)

// Ensure creates desired when it is missing and replaces it when what the operator wants has
// changed. It compares a hash of the desired object, kept in an annotation, instead of comparing
// with the live object: the API server fills in defaults that a builder does not set, so a field
// comparison would see a difference on every pass and write every time. It reports whether it
// wrote anything.
func Ensure(ctx context.Context, c client.Client, desired client.Object, preserve Preserve) (bool, error) {
	hash, err := hashOf(desired)
	if err != nil {
		return false, err
	}
	annotations := desired.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[SpecHashAnnotation] = hash
	desired.SetAnnotations(annotations)

	live := desired.DeepCopyObject().(client.Object)
	err = c.Get(ctx, client.ObjectKeyFromObject(desired), live)
	switch {
	case apierrors.IsNotFound(err):
		if err := c.Create(ctx, desired); err != nil {
			return false, fmt.Errorf("create %s %s: %w", kindOf(desired), desired.GetName(), err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("get %s %s: %w", kindOf(desired), desired.GetName(), err)
	}
	if live.GetAnnotations()[SpecHashAnnotation] == hash {
		return false, nil
	}
	if preserve != nil {
		preserve(live, desired)
	}
	desired.SetResourceVersion(live.GetResourceVersion())
	if err := c.Update(ctx, desired); err != nil {
		return false, fmt.Errorf("update %s %s: %w", kindOf(desired), desired.GetName(), err)
	}
	return true, nil
}

func hashOf(obj client.Object) (string, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", obj.GetName(), err)
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])[:16], nil
}

func kindOf(obj client.Object) string {
	return fmt.Sprintf("%T", obj)
}

// PreserveServiceAllocations keeps the cluster IPs and node ports the API server allocated, so
// that updating a Service neither fails (cluster IPs are immutable) nor moves its node ports.
func PreserveServiceAllocations(live, desired client.Object) {
	l, okL := live.(*corev1.Service)
	d, okD := desired.(*corev1.Service)
	if !okL || !okD {
		return
	}
	d.Spec.ClusterIP = l.Spec.ClusterIP
	d.Spec.ClusterIPs = l.Spec.ClusterIPs
	if d.Spec.Type == corev1.ServiceTypeClusterIP {
		return
	}
	d.Spec.HealthCheckNodePort = l.Spec.HealthCheckNodePort
	nodePorts := map[string]int32{}
	for _, p := range l.Spec.Ports {
		nodePorts[p.Name] = p.NodePort
	}
	for i := range d.Spec.Ports {
		d.Spec.Ports[i].NodePort = nodePorts[d.Spec.Ports[i].Name]
	}
}
