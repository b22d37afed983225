package v1alpha1

import networkingv1 "k8s.io/api/networking/v1"

// NetworkSpec says who may reach the server pod. The operator renders one NetworkPolicy per
// DittoFS (named like the DittoFS) so that nothing is reachable unless the spec says so.
type NetworkSpec struct {
	// Policy renders the NetworkPolicy; false leaves the pod open to whatever the cluster allows
	// (and deletes a policy the operator rendered before). It needs a network plugin that
	// enforces NetworkPolicies.
	// +kubebuilder:default=true
	// +optional
	Policy *bool `json:"policy,omitempty"`

	// DataPlaneFrom are the peers that may reach the file ports (NFS, SMB). Empty means the pods
	// of the DittoFS's own namespace only. Clients outside the cluster need an ipBlock, for
	// example {ipBlock: {cidr: 10.20.0.0/16}}; {ipBlock: {cidr: 0.0.0.0/0}} opens them to all.
	// +kubebuilder:validation:MaxItems=64
	// +optional
	DataPlaneFrom []networkingv1.NetworkPolicyPeer `json:"dataPlaneFrom,omitempty"`

	// MetricsFrom are the peers, besides the operator's namespace, that may scrape the server's
	// metrics port (your Prometheus's namespace, say).
	// +kubebuilder:validation:MaxItems=16
	// +optional
	MetricsFrom []networkingv1.NetworkPolicyPeer `json:"metricsFrom,omitempty"`
}

// PolicyEnabled reports whether the NetworkPolicy is rendered (the default).
func (n NetworkSpec) PolicyEnabled() bool { return n.Policy == nil || *n.Policy }
