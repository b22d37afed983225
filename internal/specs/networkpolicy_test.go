package specs

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

func TestNetworkPolicyGolden(t *testing.T) {
	assertGolden(t, "networkpolicy-default", NetworkPolicy(defaulted(), "dittofs-system"))
	assertGolden(t, "networkpolicy-everything", NetworkPolicy(everything(), "dittofs-system"))
}

// TestNetworkPolicyAdmitsOnlyWhatTheSpecSays: the API port from the operator's namespace, the
// file ports of the enabled adapters from the namespace itself unless peers are named.
func TestNetworkPolicyAdmitsOnlyWhatTheSpecSays(t *testing.T) {
	np := NetworkPolicy(defaulted(), "dittofs-system")
	assert.Len(t, np.Spec.Ingress, 2, "API and NFS; SMB and metrics are off")
	api := np.Spec.Ingress[0]
	assert.Equal(t, int32(APIPort), api.Ports[0].Port.IntVal)
	assert.Equal(t, map[string]string{"kubernetes.io/metadata.name": "dittofs-system"}, api.From[0].NamespaceSelector.MatchLabels)
	data := np.Spec.Ingress[1]
	assert.Equal(t, int32(NFSContainerPort), data.Ports[0].Port.IntVal, "a NetworkPolicy sees the container port")
	assert.Equal(t, map[string]string{"kubernetes.io/metadata.name": "storage"}, data.From[0].NamespaceSelector.MatchLabels,
		"the DittoFS's own namespace only")

	outside := NetworkPolicy(defaulted(), "")
	assert.Empty(t, outside.Spec.Ingress[0].From[0].NamespaceSelector.MatchLabels, "no operator namespace: every namespace")
}

// TestLoadBalancerSourceRanges reach the data Service of type LoadBalancer only.
func TestLoadBalancerSourceRanges(t *testing.T) {
	d := defaulted()
	d.Spec.Service = v1alpha1.ServiceSpec{Type: "LoadBalancer", LoadBalancerSourceRanges: []string{"10.20.0.0/16"}}
	assert.Equal(t, []string{"10.20.0.0/16"}, DataService(d).Spec.LoadBalancerSourceRanges)
	d.Spec.Service.Type = "NodePort"
	assert.Empty(t, DataService(d).Spec.LoadBalancerSourceRanges)
	d.Spec.Service.Type = ""
	assert.Equal(t, corev1.ServiceTypeClusterIP, DataService(d).Spec.Type, "ClusterIP by default: nothing outside the cluster")
}
