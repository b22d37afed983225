package faults

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// The controller manager's garbage collector learns of a new CRD only at its next discovery
// pass (every 30 s); until then a deleted DittoFS leaves its StatefulSet and Services behind.
// That delay belongs to the harness, not to the operator, so it is waited out before the first
// deletion. The proof is a canary: a ConfigMap owned by a DittoFS that is deleted at once
// (before the operator runs, so no finalizer holds it) must be collected.

// plantGCCanary creates the canary and deletes its owner.
func plantGCCanary(ctx context.Context, c client.Client, ns string) error {
	owner := &v1alpha1.DittoFS{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "gc-canary"}, Spec: initialSpec()}
	if err := c.Create(ctx, owner); err != nil {
		return err
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "gc-canary", OwnerReferences: []metav1.OwnerReference{{
		APIVersion: v1alpha1.GroupVersion.String(), Kind: "DittoFS", Name: owner.Name, UID: owner.UID, Controller: ptr.To(true),
	}}}}
	if err := c.Create(ctx, cm); err != nil {
		return err
	}
	return c.Delete(ctx, owner)
}

// waitGarbageCollector returns once the canary is collected.
func waitGarbageCollector(ctx context.Context, c client.Client, ns string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "gc-canary"}}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		err := c.Get(ctx, client.ObjectKeyFromObject(cm), &corev1.ConfigMap{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the garbage collector never collected ConfigMap %s/gc-canary owned by a deleted DittoFS (last get: %v)", ns, err)
		case <-tick.C:
		}
	}
}
