package controllers

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestSecretCacheHoldsNoSecretData: the operator's cache of Secret metadata keeps neither the
// last-applied-configuration annotation `kubectl apply` writes (the whole Secret, data included)
// nor managed fields, so nothing of a Secret's data lives in the operator's memory.
func TestSecretCacheHoldsNoSecretData(t *testing.T) {
	ns := newNamespace(t)
	op, err := New(restConfig, Options{WatchNamespaces: []string{ns}, SeveralInProcess: true, WithoutSubPhases: true})
	require.NoError(t, err)
	running := op.Background(context.Background())
	t.Cleanup(func() { assert.NoError(t, running.Stop()) })

	const value = "kubectl-applied-password-4711"
	applied := fmt.Sprintf(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"applied","namespace":%q},"stringData":{"password":%q}}`, ns, value)
	require.NoError(t, k8s.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "applied", Labels: map[string]string{"app": "x"},
			Annotations: map[string]string{corev1.LastAppliedConfigAnnotation: applied, "note": "kept out too"}},
		StringData: map[string]string{"password": value},
	}, client.FieldOwner("kubectl-client-side-apply")))
	var live corev1.Secret
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "applied"}, &live))
	require.NotEmpty(t, live.ManagedFields, "the API server records managed fields")

	cached := &metav1.PartialObjectMetadata{}
	cached.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	eventually(t, timeout, "the Secret in the operator's cache", func() error {
		return op.GetCache().Get(ctx, client.ObjectKey{Namespace: ns, Name: "applied"}, cached)
	})
	assert.Empty(t, cached.Annotations, "no annotation is cached, last-applied-configuration least of all")
	assert.Empty(t, cached.ManagedFields)
	assert.Equal(t, map[string]string{"app": "x"}, cached.Labels, "what maps a Secret back is kept")
	assert.NotContains(t, fmt.Sprintf("%+v", cached), value)
}
