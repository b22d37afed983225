// Package controllers holds the one DittoFS reconciler: it fetches the object, handles the
// finalizer and deletion, runs the phase machine and patches status once.
package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/percona"
	"github.com/dittofs/dittofs-operator/phases"
)

// +kubebuilder:rbac:groups=dittofs.io,resources=dittofses,verbs=list;watch;update;patch
// +kubebuilder:rbac:groups=dittofs.io,resources=dittofses/status,verbs=patch
// +kubebuilder:rbac:groups=dittofs.io,resources=dittofses/finalizers,verbs=update
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// DittoFSReconciler reconciles DittoFS objects.
type DittoFSReconciler struct {
	Client client.Client
	// APIReader reads from the API server, not the cache (see phases.Scope.APIReader).
	APIReader client.Reader
	Scheme    *runtime.Scheme
	Recorder  events.EventRecorder
	Pipeline  phases.Pipeline
	// Percona applies the deletion policy to PerconaPGClusters and watches them; nil when their
	// CRD is not installed (see postgresSource).
	Percona *percona.Clusters
	// CertManager says cert-manager's Certificate CRD was installed at start: the operator then
	// creates and watches the Certificates a DittoFS asks for.
	CertManager bool
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// DefaultImage is the server image for a DittoFS without spec.image; empty means
	// v1alpha1.DefaultImage.
	DefaultImage string
	// OperatorNamespace is where the operator runs (see Options.OperatorNamespace).
	OperatorNamespace string
}

// Reconcile derives the DittoFS's phase from the world and makes the world match the spec.
func (r *DittoFSReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	d := &v1alpha1.DittoFS{}
	if err := r.Client.Get(ctx, req.NamespacedName, d); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}

	if !d.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.finalize(ctx, d)
	}
	if controllerutil.AddFinalizer(d, v1alpha1.Finalizer) {
		if err := r.Client.Update(ctx, d); err != nil {
			return ctrl.Result{}, fmt.Errorf("add finalizer: %w", err)
		}
	}

	// One status patch per reconcile, after every step, and only when something changed.
	before := d.DeepCopy()
	defer func() {
		if err := r.patchStatus(ctx, before, d); err != nil {
			retErr = err
		}
	}()

	// Paused stops everything but status; the finalizer above is still added, so that deleting
	// a paused DittoFS applies its deletion policy.
	if d.Spec.Paused {
		reportPaused(d)
		return ctrl.Result{}, nil
	}
	phases.RemoveCondition(d, v1alpha1.ConditionPaused)

	scope := &phases.Scope{Client: r.Client, APIReader: r.APIReader, Scheme: r.Scheme, Now: r.now, DefaultImage: r.DefaultImage,
		OperatorNamespace: r.OperatorNamespace, CertManager: r.CertManager, DittoFS: d}
	res, err := r.Pipeline.Run(ctx, scope)
	if err != nil && res.Phase == "" {
		return ctrl.Result{}, err
	}
	// A conflict says the cache was behind (the operator's own last write, or a controller's
	// status update): this pass saw a stale world, so it reports nothing, neither a failure nor
	// Degraded, and is retried.
	if apierrors.IsConflict(err) {
		d.Status = *before.Status.DeepCopy()
		return ctrl.Result{}, err
	}
	d.Status.Phase = res.Phase
	// kstatus reads observedGeneration as "the status describes this spec": only a pass that
	// processed the generation without a reconcile error says so (a blocked step is not an error).
	if err == nil {
		d.Status.ObservedGeneration = d.Generation
	}
	r.recordTransition(d, before.Status.Phase, res.Phase)
	return ctrl.Result{RequeueAfter: res.RequeueAfter}, err
}

func (r *DittoFSReconciler) patchStatus(ctx context.Context, before, after *v1alpha1.DittoFS) error {
	if equality.Semantic.DeepEqual(before.Status, after.Status) {
		return nil
	}
	if err := r.Client.Status().Patch(ctx, after, client.MergeFrom(before)); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("patch status: %w", err)
	}
	return nil
}

// recordTransition emits an event when the reported phase changes. The previous phase is read
// from status only to describe the change; it never decides the new phase.
func (r *DittoFSReconciler) recordTransition(d *v1alpha1.DittoFS, from, to v1alpha1.Phase) {
	if r.Recorder == nil || from == to {
		return
	}
	eventType := corev1.EventTypeNormal
	if to == v1alpha1.PhaseDegraded {
		eventType = corev1.EventTypeWarning
	}
	action := r.Pipeline.Machine.Describe(from, to)
	if action == "" {
		action = "advance"
	}
	note := fmt.Sprintf("Phase %s -> %s", orNone(from), to)
	if ready := findCondition(d, v1alpha1.ConditionReady); ready != nil && to != v1alpha1.PhaseServing {
		note += ": " + ready.Message
	}
	r.Recorder.Eventf(d, nil, eventType, "Phase"+string(to), action, "%s", phases.Truncate(note, phases.MaxEventNote))
}

func (r *DittoFSReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func orNone(p v1alpha1.Phase) string {
	if p == "" {
		return "(new)"
	}
	return string(p)
}
