package controllers

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// operatorNamespace is where the test operators say they run.
const operatorNamespace = "dittofs-system"

// TestNothingIsExposedByDefault: a DittoFS that says nothing about its network gets a ClusterIP
// data Service, read-only shares for clients without their own grant, and a NetworkPolicy that admits the REST API from the operator's namespace only
// and the file ports from its own namespace only; a hand edit of the policy is put back, and
// spec.network.policy: false removes it.
func TestNothingIsExposedByDefault(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	d := &v1alpha1.DittoFS{}
	d.Namespace, d.Name = ns, "quiet"
	d.Spec.Shares = []v1alpha1.ShareSpec{{Name: "/media"}}
	require.NoError(t, k8s.Create(ctx, d))
	bindClaims(t, d)
	d = get(t, ns, "quiet")
	assert.Equal(t, v1alpha1.ServiceType("ClusterIP"), d.Spec.Service.Type, "the CRD's default")
	assert.Equal(t, "read", d.Spec.Shares[0].DefaultPermission, "writing is something the spec says")

	key := types.NamespacedName{Namespace: ns, Name: specs.NetworkPolicyName(d)}
	np := &networkingv1.NetworkPolicy{}
	eventually(t, timeout, "the NetworkPolicy", func() error { return k8s.Get(ctx, key, np) })
	require.Len(t, np.Spec.Ingress, 2)
	assert.Equal(t, map[string]string{"kubernetes.io/metadata.name": operatorNamespace}, np.Spec.Ingress[0].From[0].NamespaceSelector.MatchLabels)
	assert.Equal(t, int32(specs.APIPort), np.Spec.Ingress[0].Ports[0].Port.IntVal)
	assert.Equal(t, map[string]string{"kubernetes.io/metadata.name": ns}, np.Spec.Ingress[1].From[0].NamespaceSelector.MatchLabels,
		"file ports from the namespace's own pods")
	data := &corev1.Service{}
	require.NoError(t, k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: specs.DataServiceName(d)}, data))
	assert.Equal(t, corev1.ServiceTypeClusterIP, data.Spec.Type)

	// Someone opens the file ports to the world by hand: put back.
	np.Spec.Ingress[1].From = []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}}}
	require.NoError(t, k8s.Update(ctx, np))
	eventually(t, timeout, "the hand edit put back", func() error {
		if err := k8s.Get(ctx, key, np); err != nil {
			return err
		}
		if from := np.Spec.Ingress[1].From; len(from) != 1 || from[0].IPBlock != nil || from[0].NamespaceSelector == nil {
			return fmt.Errorf("file ports admit %+v", from)
		}
		return nil
	})

	// The user chooses no policy: the operator's own is removed.
	d = get(t, ns, "quiet")
	d.Spec.Network.Policy = ptr.To(false)
	require.NoError(t, k8s.Update(ctx, d))
	eventually(t, timeout, "the NetworkPolicy removed", func() error {
		err := k8s.Get(ctx, key, &networkingv1.NetworkPolicy{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there: %v", err)
	})
}

// TestForeignNetworkPolicyIsNeverTouched: a NetworkPolicy of the same name that the DittoFS does
// not control is a NameConflict and is neither changed nor deleted.
func TestForeignNetworkPolicyIsNeverTouched(t *testing.T) {
	ns := newNamespace(t)
	foreign := &networkingv1.NetworkPolicy{}
	foreign.Namespace, foreign.Name = ns, "taken"
	foreign.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
	require.NoError(t, k8s.Create(ctx, foreign))
	startOperator(t, ns)
	createBound(t, newDittoFS(ns, "taken"))
	waitFor(t, ns, "taken", v1alpha1.PhaseConfigReady, v1alpha1.ConditionServing, v1alpha1.ReasonNameConflict)
	live := &networkingv1.NetworkPolicy{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(foreign), live))
	assert.Empty(t, live.Spec.Ingress)
	assert.Empty(t, live.OwnerReferences)
}
