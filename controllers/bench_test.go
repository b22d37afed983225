package controllers

import (
	"testing"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// BenchmarkConvergedReconcile measures one reconcile of a DittoFS that is already Serving, with
// the manager's cache warm: the cost the operator pays per DittoFS on every resync. It also
// reports the API writes per reconcile, which should be zero. Nothing is asserted.
func BenchmarkConvergedReconcile(b *testing.B) {
	ns := newNamespace(b)
	op := startOperator(b, ns)
	d := newDittoFS(ns, "bench")
	if err := k8s.Create(ctx, d); err != nil {
		b.Fatal(err)
	}
	d = get(b, ns, "bench")
	bindClaims(b, d)
	setPodReady(b, d, true)
	waitFor(b, ns, "bench", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	settle(b, op)

	req := ctrl.Request{NamespacedName: client.ObjectKeyFromObject(d)}
	writes := op.writes.Load()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := op.reconciler.Reconcile(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(op.writes.Load()-writes)/float64(b.N), "writes/op")
}
