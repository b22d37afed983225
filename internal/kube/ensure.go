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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// SpecHashAnnotation holds the hash of the object the operator last wrote.
const SpecHashAnnotation = "dittofs.io/spec-hash"

// Preserve copies fields the API server owns (allocated IPs and ports) from the live object into
// the desired one before an update, so that an update never fights the server.
type Preserve func(live, desired client.Object)

// NotOwnedError is a same-named object that this owner did not create: it is never overwritten
// or adopted.
type NotOwnedError struct {
	Kind, Name string
	// Owner describes who controls the object instead ("" when nobody does).
	Owner string
}

func (e *NotOwnedError) Error() string {
	if e.Owner == "" {
		return fmt.Sprintf("%s %s exists and was not created by this DittoFS", e.Kind, e.Name)
	}
	return fmt.Sprintf("%s %s exists and belongs to %s", e.Kind, e.Name, e.Owner)
}

// Ensure creates desired when it is missing and replaces it when it differs from what the
// operator wants. desired must carry a controller owner reference to owner; a live object
// controlled by anything else is a *NotOwnedError and is left alone.
//
// Two checks decide a write, so a converged object costs none: a hash of the desired object
// (kept in an annotation) catches a change of what the operator wants, removals included; and
// Contains catches a hand edit of any field the operator sets (replicas, image, data, ports),
// while fields the API server defaults or allocates are not compared.
//
// It returns the object as the API server has it: the one it answered a create or update with,
// or the live one when nothing was written. Callers use that instead of reading back from the
// cache, which may not have seen the write yet. c reads through the cache; uncached is asked only
// when a create finds the name taken by an object the cache does not hold: one this operator
// made a moment ago, or one without the operator's labels, which the cache never holds.
func Ensure[T client.Object](ctx context.Context, c client.Client, uncached client.Reader, owner types.UID, desired T, preserve Preserve) (T, error) {
	var none T
	hash, err := hashOf(desired)
	if err != nil {
		return none, err
	}
	annotations := desired.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[SpecHashAnnotation] = hash
	desired.SetAnnotations(annotations)

	key := client.ObjectKeyFromObject(desired)
	live := desired.DeepCopyObject().(T)
	err = c.Get(ctx, key, live)
	if apierrors.IsNotFound(err) {
		err = c.Create(ctx, desired)
		if err == nil {
			return desired, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return none, fmt.Errorf("create %s %s: %w", kindOf(desired), desired.GetName(), err)
		}
		err = uncached.Get(ctx, key, live)
	}
	if err != nil {
		return none, fmt.Errorf("get %s %s: %w", kindOf(desired), desired.GetName(), err)
	}
	if ref := metav1.GetControllerOf(live); ref == nil || ref.UID != owner {
		e := &NotOwnedError{Kind: kindOf(desired), Name: desired.GetName()}
		if ref != nil {
			e.Owner = ref.Kind + " " + ref.Name
		}
		return none, e
	}
	same, err := Contains(live, desired)
	if err != nil {
		return none, err
	}
	if same && live.GetAnnotations()[SpecHashAnnotation] == hash {
		return live, nil
	}
	if preserve != nil {
		preserve(live, desired)
	}
	desired.SetResourceVersion(live.GetResourceVersion())
	if err := c.Update(ctx, desired); err != nil {
		return none, fmt.Errorf("update %s %s: %w", kindOf(desired), desired.GetName(), err)
	}
	return desired, nil
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
	if k := obj.GetObjectKind().GroupVersionKind().Kind; k != "" {
		return k
	}
	t := fmt.Sprintf("%T", obj)
	for i := len(t) - 1; i >= 0; i-- {
		if t[i] == '.' {
			return t[i+1:]
		}
	}
	return t
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
	if d.Spec.Type == corev1.ServiceTypeClusterIP || l.Spec.Type == corev1.ServiceTypeClusterIP {
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
