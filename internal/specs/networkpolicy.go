package specs

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// namespaceNameLabel is set by Kubernetes on every namespace to its own name.
const namespaceNameLabel = "kubernetes.io/metadata.name"

// NetworkPolicyName is the NetworkPolicy of a DittoFS's server pod.
func NetworkPolicyName(d *v1alpha1.DittoFS) string { return d.Name }

// NetworkPolicy admits to the server pod only what the spec allows: the REST API (and metrics)
// from the operator's namespace, the file ports from spec.network.dataPlaneFrom (the DittoFS's
// own namespace when empty), metrics also from spec.network.metricsFrom. Ports are the pod's
// container ports, which is what a NetworkPolicy sees after the Service. operatorNamespace empty
// (an operator run outside the cluster) admits the API from every namespace, since the operator
// then reaches it from no namespace at all.
func NetworkPolicy(d *v1alpha1.DittoFS, operatorNamespace string) *networkingv1.NetworkPolicy {
	operator := networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{}}
	if operatorNamespace != "" {
		operator = namespacePeer(operatorNamespace)
	}
	rules := []networkingv1.NetworkPolicyIngressRule{{
		Ports: []networkingv1.NetworkPolicyPort{tcpPort(APIPort)},
		From:  []networkingv1.NetworkPolicyPeer{operator},
	}}

	var dataPorts []networkingv1.NetworkPolicyPort
	if d.Spec.Adapters.NFS.IsEnabled() {
		dataPorts = append(dataPorts, tcpPort(NFSContainerPort))
	}
	if d.Spec.Adapters.SMB.Enabled {
		dataPorts = append(dataPorts, tcpPort(SMBContainerPort))
	}
	clients := d.Spec.Network.DataPlaneFrom
	if len(clients) == 0 {
		// The namespace by name rather than an empty pod selector: the same pods, and an edit
		// that widens it is seen as a difference (an empty selector compares as unset).
		clients = []networkingv1.NetworkPolicyPeer{namespacePeer(d.Namespace)}
	}
	if len(dataPorts) > 0 {
		rules = append(rules, networkingv1.NetworkPolicyIngressRule{Ports: dataPorts, From: clients})
	}

	if d.Spec.Metrics.Enabled {
		rules = append(rules, networkingv1.NetworkPolicyIngressRule{
			Ports: []networkingv1.NetworkPolicyPort{tcpPort(d.Spec.Metrics.Port)},
			From:  append([]networkingv1.NetworkPolicyPeer{operator}, d.Spec.Network.MetricsFrom...),
		})
	}
	return &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: NetworkPolicyName(d), Namespace: d.Namespace, Labels: Labels(d)},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: SelectorLabels(d)},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress:     rules,
		},
	}
}

// namespacePeer is every pod of one namespace.
func namespacePeer(namespace string) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{
		MatchLabels: map[string]string{namespaceNameLabel: namespace}}}
}

func tcpPort(port int32) networkingv1.NetworkPolicyPort {
	p := intstr.FromInt32(port)
	tcp := corev1.ProtocolTCP
	return networkingv1.NetworkPolicyPort{Protocol: &tcp, Port: &p}
}
