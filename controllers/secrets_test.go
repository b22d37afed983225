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

// TestSecretsAreGeneratedOnce: the admin and JWT Secrets exist before the StatefulSet, and keep
// their content and identity across reconciles and across an operator restart.
func TestSecretsAreGeneratedOnce(t *testing.T) {
	ns := newNamespace(t)
	op := startOperator(t, ns)
	d := newDittoFS(ns, "keep")
	d = createBound(t, d)
	sts := statefulSet(t, d)

	secrets := map[string]*corev1.Secret{}
	for _, name := range []string{specs.AdminSecretName(d), specs.JWTSecretName(d)} {
		s := &corev1.Secret{}
		require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, s))
		assert.True(t, s.CreationTimestamp.Compare(sts.CreationTimestamp.Time) <= 0, "%s exists before the pod can start", name)
		assert.Empty(t, s.OwnerReferences, "%s follows the deletion policy, not the garbage collector", name)
		secrets[name] = s
	}
	assert.GreaterOrEqual(t, len(secrets[specs.JWTSecretName(d)].Data["secret"]), 32)
	env := sts.Spec.Template.Spec.Containers[0].Env
	assert.Equal(t, "DITTOFS_ADMIN_INITIAL_PASSWORD", env[1].Name)
	assert.Equal(t, specs.AdminSecretName(d), env[1].ValueFrom.SecretKeyRef.Name)

	// Many reconciles, then a restart of the operator.
	poke(t, op, ns, "keep", 3)
	op.stop()
	op2 := startOperator(t, ns)
	poke(t, op2, ns, "keep", 1)
	setPodReady(t, d, true)
	waitFor(t, ns, "keep", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)

	for name, old := range secrets {
		now := &corev1.Secret{}
		require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, now))
		assert.Equal(t, old.UID, now.UID, "%s was recreated", name)
		assert.Equal(t, old.Data, now.Data, "%s was regenerated", name)
	}
}

// TestLostAdminSecretIsNotRegenerated: after the server has served, a new admin password would not
// match the server's admin user, so a deleted admin Secret is reported, not replaced.
func TestLostAdminSecretIsNotRegenerated(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	d := newDittoFS(ns, "lost")
	d = createBound(t, d)
	setPodReady(t, d, true)
	waitFor(t, ns, "lost", v1alpha1.PhaseServing, v1alpha1.ConditionReady, v1alpha1.ReasonReady)

	require.NoError(t, k8s.Delete(ctx, &corev1.Secret{ObjectMeta: objectMeta(d, specs.AdminSecretName(d))}))
	waitFor(t, ns, "lost", v1alpha1.PhaseDegraded, v1alpha1.ConditionConfigReady, v1alpha1.ReasonSecretLost)
	err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: specs.AdminSecretName(d)}, &corev1.Secret{})
	assert.True(t, client.IgnoreNotFound(err) == nil && err != nil, "the operator must not make a new admin Secret")
}

// poke changes an annotation n times and waits, after each change, until the operator has
// finished one more reconcile, so the changes are not merged in its work queue.
func poke(t testing.TB, op *operator, ns, name string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		before := op.reconciles.Load()
		eventually(t, timeout, "annotate the DittoFS", func() error {
			d := get(t, ns, name)
			if d.Annotations == nil {
				d.Annotations = map[string]string{}
			}
			d.Annotations["test/poke"] = fmt.Sprint(d.Annotations["test/poke"], i)
			return k8s.Update(ctx, d)
		})
		eventually(t, timeout, "a reconcile after the change", func() error {
			if op.reconciles.Load() == before {
				return fmt.Errorf("no reconcile yet")
			}
			return nil
		})
	}
}
