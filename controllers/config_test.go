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

// TestConfigChangeRollsPod: a change to what the pod consumes changes the hash on the pod
// template (which rolls the pod); a change the pod does not consume leaves the template alone.
func TestConfigChangeRollsPod(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	d := newDittoFS(ns, "roll")
	d = createBound(t, d)
	setPodReady(t, d, true)
	waitFor(t, ns, "roll", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)
	first := configHashOnPodTemplate(t, d)
	require.NotEmpty(t, first)

	// Unrelated: the deletion policy is read only on deletion.
	d = get(t, ns, "roll")
	d.Spec.Storage.DeletionPolicy = v1alpha1.DeletionPolicyDelete
	require.NoError(t, k8s.Update(ctx, d))
	d = waitObserved(t, ns, "roll")
	assert.Equal(t, first, configHashOnPodTemplate(t, d), "an unrelated change must not roll the pod")

	// Related: the log level is in config.yaml.
	d.Spec.Logging.Level = "DEBUG"
	require.NoError(t, k8s.Update(ctx, d))
	var second string
	eventually(t, timeout, "a new config hash on the pod template", func() error {
		if second = configHashOnPodTemplate(t, d); second == first {
			return fmt.Errorf("hash still %s", first)
		}
		return nil
	})
	cm := &corev1.ConfigMap{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: specs.ConfigMapName(d)}, cm))
	assert.Contains(t, cm.Data["config.yaml"], "level: DEBUG")
	// The template is written mid-reconcile, status at its end: wait for the status to catch up.
	eventually(t, timeout, "status.configHash of the new config", func() error {
		if got := get(t, ns, "roll").Status.ConfigHash; got != second {
			return fmt.Errorf("status.configHash %s, the pod template has %s", got, second)
		}
		return nil
	})

	// A changed Secret is consumed by the pod too: rotating the JWT secret rolls it.
	jwt := &corev1.Secret{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: specs.JWTSecretName(d)}, jwt))
	jwt.Data[specs.JWTSecretKey] = []byte("a-rotated-signing-secret-of-enough-length-0123456789")
	require.NoError(t, k8s.Update(ctx, jwt))
	eventually(t, timeout, "a third config hash after the Secret changed", func() error {
		if third := configHashOnPodTemplate(t, d); third == second {
			return fmt.Errorf("hash still %s", second)
		}
		return nil
	})
}

// waitObserved waits until status describes the latest generation.
func waitObserved(t *testing.T, ns, name string) *v1alpha1.DittoFS {
	t.Helper()
	var d *v1alpha1.DittoFS
	eventually(t, timeout, "status to observe the latest generation", func() error {
		d = get(t, ns, name)
		if d.Status.ObservedGeneration != d.Generation {
			return fmt.Errorf("observed %d of %d", d.Status.ObservedGeneration, d.Generation)
		}
		return nil
	})
	return d
}
