package controllers

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// TestVolumeLostAfterServing: a claim deleted after the server has served is never replaced by an
// empty one unless the user says so on the DittoFS; the server would come back with every file
// gone and report Ready.
func TestVolumeLostAfterServing(t *testing.T) {
	ns := newNamespace(t)
	op := startOperator(t, ns)
	d := servingDittoFS(t, ns, "vl", "")
	payload := specs.ClaimName(d, specs.VolumePayload)

	// Deleted while the pod uses it: the claim stays until the pod stops, and is reported.
	require.NoError(t, k8s.Delete(ctx, &corev1.PersistentVolumeClaim{ObjectMeta: objectMeta(d, payload)}))
	waitForMessage(t, ns, "vl", v1alpha1.ConditionStorageReady, v1alpha1.ReasonVolumeLost, payload+" is being deleted")

	// Gone: still VolumeLost, with both ways out, and no empty claim in its place.
	releaseClaim(t, d, payload)
	got := waitForMessage(t, ns, "vl", v1alpha1.ConditionStorageReady, v1alpha1.ReasonVolumeLost,
		payload+" is gone", "app.kubernetes.io/instance=vl", "kubectl annotate dittofs vl dittofs.io/recreate-empty-claims="+payload)
	assert.Equal(t, v1alpha1.PhaseDegraded, got.Status.Phase)
	poke(t, op, ns, "vl", 2)
	assertAbsent(t, &corev1.PersistentVolumeClaim{ObjectMeta: objectMeta(d, payload)})

	// The user accepts an empty volume: the claim is created, and the statement is used up.
	eventually(t, timeout, "annotate the DittoFS", func() error {
		now := get(t, ns, "vl")
		now.Annotations = map[string]string{v1alpha1.AnnotationRecreateEmptyClaims: payload}
		return k8s.Update(ctx, now)
	})
	bindClaims(t, d)
	eventually(t, timeout, "the annotation to be removed once the claim exists", func() error {
		if v, ok := get(t, ns, "vl").Annotations[v1alpha1.AnnotationRecreateEmptyClaims]; ok {
			return fmt.Errorf("annotation still %q", v)
		}
		return nil
	})
	pvc := &corev1.PersistentVolumeClaim{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: payload}, pvc))
	assert.Equal(t, string(d.UID), pvc.Annotations[specs.CreatedForAnnotation])
	waitFor(t, ns, "vl", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)

	// A second loss needs a second statement.
	deleteClaim(t, d, payload)
	waitForMessage(t, ns, "vl", v1alpha1.ConditionStorageReady, v1alpha1.ReasonVolumeLost, payload+" is gone")
}

// TestVolumeLostWhenRecreatedOverKeptVolumes: a new DittoFS has no status, but claims kept from an
// earlier one of the same name show that a server stored data there, so a missing sibling is not
// created empty either.
func TestVolumeLostWhenRecreatedOverKeptVolumes(t *testing.T) {
	ns := newNamespace(t)
	op := startOperator(t, ns)
	d := servingDittoFS(t, ns, "kept", "")
	deleteAndWaitGone(t, d)
	collectGarbage(t, d)
	metadata := specs.ClaimName(d, specs.VolumeMetadata)
	deleteClaim(t, d, metadata)

	require.NoError(t, k8s.Create(ctx, newDittoFS(ns, "kept")))
	waitForMessage(t, ns, "kept", v1alpha1.ConditionStorageReady, v1alpha1.ReasonVolumeLost,
		metadata+" is gone", "was not created by this DittoFS")
	poke(t, op, ns, "kept", 1)
	assertAbsent(t, &corev1.PersistentVolumeClaim{ObjectMeta: objectMeta(d, metadata)})
}

// TestNewDittoFSRecreatesItsClaims: before any server can have started (no StatefulSet, no
// status, only claims it created itself), a deleted claim is simply created again.
func TestNewDittoFSRecreatesItsClaims(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	d := newDittoFS(ns, "fresh")
	require.NoError(t, k8s.Create(ctx, d))
	d = waitFor(t, ns, "fresh", v1alpha1.PhasePending, v1alpha1.ConditionStorageReady, v1alpha1.ReasonWaitingForVolumes)
	payload := specs.ClaimName(d, specs.VolumePayload)
	old := &corev1.PersistentVolumeClaim{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: payload}, old))

	deleteClaim(t, d, payload)
	eventually(t, timeout, "a new claim "+payload, func() error {
		pvc := &corev1.PersistentVolumeClaim{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: payload}, pvc); err != nil {
			return err
		}
		if pvc.UID == old.UID {
			return fmt.Errorf("still the old claim")
		}
		return nil
	})
	bindClaims(t, d)
	waitFor(t, ns, "fresh", v1alpha1.PhaseConfigReady, v1alpha1.ConditionServing, v1alpha1.ReasonPodNotReady)
}
