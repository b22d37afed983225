package controllers

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// timeout bounds every wait; generous because CI runs several control planes on two cores.
const timeout = 60 * time.Second

// TestSampleGoesThroughPhases follows one DittoFS from nothing to Serving as the test, playing
// the volume provisioner and the StatefulSet controller, makes each dependency ready; then breaks
// the server after it has served to see it Degraded, and heals it to see it recover.
func TestSampleGoesThroughPhases(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	d := newDittoFS(ns, "media")
	require.NoError(t, k8s.Create(ctx, d))

	// Volumes are created but not bound: Pending, and the condition says what it waits for.
	d = waitFor(t, ns, "media", v1alpha1.PhasePending, v1alpha1.ConditionStorageReady, v1alpha1.ReasonWaitingForVolumes)
	assert.Contains(t, meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionStorageReady).Message, "media-payload")
	assert.Equal(t, v1alpha1.ReasonWaitingForPreviousStep,
		meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionDatabaseReady).Reason)
	assertNoObject(t, ns, "media", &corev1.ConfigMap{}, "media-config")

	// Volumes bound; the StatefulSet exists but its pod is not ready.
	bindClaims(t, d)
	d = waitFor(t, ns, "media", v1alpha1.PhaseConfigReady, v1alpha1.ConditionServing, v1alpha1.ReasonPodNotReady)
	assert.True(t, meta.IsStatusConditionTrue(d.Status.Conditions, v1alpha1.ConditionStorageReady))
	assert.True(t, meta.IsStatusConditionTrue(d.Status.Conditions, v1alpha1.ConditionDatabaseReady))
	assert.True(t, meta.IsStatusConditionTrue(d.Status.Conditions, v1alpha1.ConditionConfigReady))
	assert.Nil(t, d.Status.ServedAt)
	assert.NotEmpty(t, d.Status.ConfigHash)

	// The pod is ready: Serving, with endpoints and a mount command.
	setPodReady(t, d, true)
	d = waitFor(t, ns, "media", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	require.NotNil(t, d.Status.ServedAt)
	assert.Equal(t, fmt.Sprintf("media.%s.svc:2049", ns), d.Status.Endpoints.NFS)
	assert.Equal(t, fmt.Sprintf("media-api.%s.svc:8080", ns), d.Status.Endpoints.API)
	// Without the Shares sub-phase no share is known to be Ready, so no mount command names one
	// (shares_test.go shows it appear once the share is exported).
	assert.Empty(t, d.Status.Endpoints.Mount)
	assert.Equal(t, d.Generation, d.Status.ObservedGeneration)

	// After serving, losing the pod is Degraded, not a step back to ConfigReady.
	setPodReady(t, d, false)
	d = waitFor(t, ns, "media", v1alpha1.PhaseDegraded, v1alpha1.ConditionDegraded, v1alpha1.ReasonPodNotReady)
	assert.False(t, meta.IsStatusConditionTrue(d.Status.Conditions, v1alpha1.ConditionReady))

	// And it recovers by itself.
	setPodReady(t, d, true)
	waitFor(t, ns, "media", v1alpha1.PhaseServing, v1alpha1.ConditionDegraded, v1alpha1.ReasonNotDegraded)
}

// TestPhaseStopsAtDatabaseReadyWhenConfigIsBroken shows the DatabaseReady phase: a user-made admin
// Secret without its key blocks the config step, and the condition says how to fix it.
func TestPhaseStopsAtDatabaseReadyWhenConfigIsBroken(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	broken := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "media-admin", Labels: userSecretLabels("media")}, Data: map[string][]byte{"username": []byte("admin")}}
	require.NoError(t, k8s.Create(ctx, broken))
	d := newDittoFS(ns, "media")
	require.NoError(t, k8s.Create(ctx, d))
	bindClaims(t, d)
	d = waitFor(t, ns, "media", v1alpha1.PhaseDatabaseReady, v1alpha1.ConditionConfigReady, v1alpha1.ReasonSecretInvalid)
	assert.Contains(t, meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionConfigReady).Message, `no key "password"`)
	assertNoObject(t, ns, "media", &corev1.Service{}, "media")

	// Fixing the Secret lets it go on; the operator never overwrote it.
	broken.Data["password"] = []byte("a-password-chosen-by-the-user")
	require.NoError(t, k8s.Update(ctx, broken))
	waitFor(t, ns, "media", v1alpha1.PhaseConfigReady, v1alpha1.ConditionServing, v1alpha1.ReasonPodNotReady)
	got := &corev1.Secret{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(broken), got))
	assert.Equal(t, "a-password-chosen-by-the-user", string(got.Data["password"]))
}

func TestStorageReasons(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)

	missing := newDittoFS(ns, "missing-class")
	missing.Spec.Storage.StorageClassName = ptrTo("gold")
	require.NoError(t, k8s.Create(ctx, missing))
	d := waitFor(t, ns, "missing-class", v1alpha1.PhasePending, v1alpha1.ConditionStorageReady, v1alpha1.ReasonStorageClassNotFound)
	msg := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionStorageReady).Message
	assert.Contains(t, msg, `"gold"`)
	assert.Contains(t, msg, "fixed, standard", "the message lists the classes that exist")

	// Growing a volume on a class without expansion is refused with the way out.
	fixed := newDittoFS(ns, "fixed")
	fixed.Spec.Storage.StorageClassName = ptrTo("fixed")
	createBound(t, fixed)
	waitFor(t, ns, "fixed", v1alpha1.PhaseConfigReady, v1alpha1.ConditionServing, v1alpha1.ReasonPodNotReady)
	fixed = get(t, ns, "fixed")
	fixed.Spec.Storage.Payload.Size = resourceMust("20Gi")
	require.NoError(t, k8s.Update(ctx, fixed))
	waitFor(t, ns, "fixed", v1alpha1.PhasePending, v1alpha1.ConditionStorageReady, v1alpha1.ReasonVolumeExpansionNotSupported)
	pvc := &corev1.PersistentVolumeClaim{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "fixed-payload"}, pvc))
	assert.Equal(t, "10Gi", pvc.Spec.Resources.Requests.Storage().String(), "the claim is left alone")
}

func TestVolumeExpansion(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	d := newDittoFS(ns, "grow")
	d = createBound(t, d)
	setPodReady(t, d, true)
	waitFor(t, ns, "grow", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)

	d = get(t, ns, "grow")
	d.Spec.Storage.Payload.Size = resourceMust("50Gi")
	require.NoError(t, k8s.Update(ctx, d))
	eventually(t, timeout, "the payload claim to request 50Gi", func() error {
		pvc := &corev1.PersistentVolumeClaim{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: specs.ClaimName(d, specs.VolumePayload)}, pvc); err != nil {
			return err
		}
		if got := pvc.Spec.Resources.Requests.Storage().String(); got != "50Gi" {
			return fmt.Errorf("request is %s", got)
		}
		return nil
	})
}

func assertNoObject(t *testing.T, ns, _ string, obj client.Object, name string) {
	t.Helper()
	err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, obj)
	assert.True(t, client.IgnoreNotFound(err) == nil && err != nil, "%T %s must not exist yet (err=%v)", obj, name, err)
}
