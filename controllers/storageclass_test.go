package controllers

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// TestStorageClassChangesAreSeen: StorageClasses are cluster-scoped prerequisites the user (or an
// administrator) fixes outside the DittoFS. A class created after the DittoFS named it, and
// expansion allowed on a class after it was refused, are acted on at once, not at the next resync.
func TestStorageClassChangesAreSeen(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	name := "zz-gold-" + ns // listed after the suite's classes in messages that list them
	d := newDittoFS(ns, "later")
	d.Spec.Storage.StorageClassName = &name
	require.NoError(t, k8s.Create(ctx, d))
	waitFor(t, ns, "later", v1alpha1.PhasePending, v1alpha1.ConditionStorageReady, v1alpha1.ReasonStorageClassNotFound)

	immediate := storagev1.VolumeBindingImmediate
	class := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Provisioner: "example.com/test", VolumeBindingMode: &immediate}
	require.NoError(t, k8s.Create(ctx, class))
	t.Cleanup(func() { _ = k8s.Delete(ctx, class) })
	waitFor(t, ns, "later", v1alpha1.PhasePending, v1alpha1.ConditionStorageReady, v1alpha1.ReasonWaitingForVolumes)

	d = get(t, ns, "later")
	bindClaims(t, d)
	waitFor(t, ns, "later", v1alpha1.PhaseConfigReady, v1alpha1.ConditionServing, v1alpha1.ReasonPodNotReady)
	eventually(t, timeout, "ask for a larger payload volume", func() error {
		d := get(t, ns, "later")
		d.Spec.Storage.Payload.Size = resourceMust("20Gi")
		return k8s.Update(ctx, d)
	})
	waitFor(t, ns, "later", v1alpha1.PhasePending, v1alpha1.ConditionStorageReady, v1alpha1.ReasonVolumeExpansionNotSupported)

	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(class), class))
	class.AllowVolumeExpansion = ptr.To(true)
	require.NoError(t, k8s.Update(ctx, class))
	eventually(t, timeout, "the payload claim to request 20Gi", func() error {
		pvc := &corev1.PersistentVolumeClaim{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: specs.ClaimName(d, specs.VolumePayload)}, pvc); err != nil {
			return err
		}
		if got := pvc.Spec.Resources.Requests.Storage().String(); got != "20Gi" {
			return fmt.Errorf("request is %s", got)
		}
		return nil
	})
}
