// Package v1alpha1 holds the DittoFS API: one all-in-one kind, DittoFS, in group dittofs.io.
//
// +kubebuilder:object:generate=true
// +groupName=dittofs.io
package v1alpha1
