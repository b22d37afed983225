package controllers

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/testenv"
)

// kstatusOf is the verdict Helm --wait, Flux, Argo CD and cli-utils reach on the DittoFS.
func kstatusOf(t testing.TB, d *v1alpha1.DittoFS) *status.Result {
	t.Helper()
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(d)
	require.NoError(t, err)
	u := &unstructured.Unstructured{Object: obj}
	u.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind("DittoFS"))
	res, err := status.Compute(u)
	require.NoError(t, err)
	return res
}

// waitForKstatus waits until kstatus says want and the condition condType carries reason for the
// latest generation, and prints what it saw on a timeout.
func waitForKstatus(t testing.TB, ns, name string, want status.Status, condType, reason string) *v1alpha1.DittoFS {
	t.Helper()
	var d *v1alpha1.DittoFS
	eventually(t, timeout, fmt.Sprintf("kstatus %s with %s reason %s", want, condType, reason), func() error {
		d = get(t, ns, name)
		res := kstatusOf(t, d)
		c := condition(d, condType)
		if res.Status != want || c.Reason != reason || c.ObservedGeneration != d.Generation {
			return fmt.Errorf("kstatus %s (%s), phase %q, observedGeneration %d of %d, conditions %s",
				res.Status, res.Message, d.Status.Phase, d.Status.ObservedGeneration, d.Generation, testenv.DescribeConditions(d.Status.Conditions))
		}
		return nil
	})
	return d
}

// TestKstatusVerdicts: InProgress while starting, Current when Serving, InProgress during a
// rollout, Failed when the operator cannot progress without the user.
func TestKstatusVerdicts(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)

	d := newDittoFS(ns, "media")
	require.NoError(t, k8s.Create(ctx, d))
	waitForKstatus(t, ns, "media", status.InProgressStatus, v1alpha1.ConditionReconciling, v1alpha1.ReasonWaitingForVolumes)

	bindClaims(t, d)
	setPodReady(t, d, true)
	got := waitForKstatus(t, ns, "media", status.CurrentStatus, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	assert.Equal(t, v1alpha1.ReasonReconciled, condition(got, v1alpha1.ConditionReconciling).Reason)
	assert.Equal(t, metav1.ConditionFalse, condition(got, v1alpha1.ConditionStalled).Status)

	update(t, ns, "media", func(d *v1alpha1.DittoFS) { d.Spec.Logging.Level = "DEBUG" })
	waitForKstatus(t, ns, "media", status.InProgressStatus, v1alpha1.ConditionReconciling, v1alpha1.ReasonRollingOut)
	setPodReady(t, d, true)
	waitForKstatus(t, ns, "media", status.CurrentStatus, v1alpha1.ConditionReady, v1alpha1.ReasonReady)

	stuck := newDittoFS(ns, "stuck")
	stuck.Spec.Storage.StorageClassName = ptrTo("gold")
	require.NoError(t, k8s.Create(ctx, stuck))
	got = waitForKstatus(t, ns, "stuck", status.FailedStatus, v1alpha1.ConditionStalled, v1alpha1.ReasonStorageClassNotFound)
	assert.Contains(t, condition(got, v1alpha1.ConditionStalled).Message, `"gold"`)
	assert.Equal(t, metav1.ConditionFalse, condition(got, v1alpha1.ConditionReconciling).Status, "kstatus reads Reconciling first")
}

// TestObservedGenerationWaitsForAnErrorFreePass: a pass that fails (here a quota refuses the
// ConfigMap) does not claim to have processed the generation, so kstatus keeps saying
// InProgress; the first pass without an error moves status.observedGeneration.
func TestObservedGenerationWaitsForAnErrorFreePass(t *testing.T) {
	ns := newNamespace(t)
	quota := &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "no-configmaps"},
		Spec:       corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"configmaps": resource.MustParse("0")}},
	}
	require.NoError(t, k8s.Create(ctx, quota))
	// envtest has no quota controller: play it, so the admission plugin enforces the quota.
	quota.Status = corev1.ResourceQuotaStatus{Hard: quota.Spec.Hard, Used: corev1.ResourceList{"configmaps": resource.MustParse("0")}}
	require.NoError(t, k8s.Status().Update(ctx, quota))
	startOperator(t, ns)

	d := createBound(t, newDittoFS(ns, "quota"))
	got := waitForKstatus(t, ns, "quota", status.InProgressStatus, v1alpha1.ConditionConfigReady, v1alpha1.ReasonReconcileError)
	assert.Contains(t, condition(got, v1alpha1.ConditionConfigReady).Message, "forbidden")

	// A new generation, processed only by passes that fail.
	update(t, ns, "quota", func(d *v1alpha1.DittoFS) { d.Spec.Logging.Level = "DEBUG" })
	got = waitForKstatus(t, ns, "quota", status.InProgressStatus, v1alpha1.ConditionConfigReady, v1alpha1.ReasonReconcileError)
	assert.Less(t, got.Status.ObservedGeneration, got.Generation, "a pass with an error has not processed the generation: %s", testenv.DescribeConditions(got.Status.Conditions))
	assert.Equal(t, v1alpha1.ReasonReconcileError, condition(got, v1alpha1.ConditionReconciling).Reason)

	require.NoError(t, k8s.Delete(ctx, quota))
	setPodReady(t, d, true)
	got = waitForKstatus(t, ns, "quota", status.CurrentStatus, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	assert.Equal(t, got.Generation, got.Status.ObservedGeneration)
}
