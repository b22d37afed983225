package v1alpha1

import "k8s.io/apimachinery/pkg/api/resource"

// RemovedSharePolicy says what happens to a share removed from the spec.
type RemovedSharePolicy string

const (
	// RemovedShareDisable stops exporting the share and keeps its data.
	RemovedShareDisable RemovedSharePolicy = "Disable"
	// RemovedShareDelete deletes the share and its data from the server.
	RemovedShareDelete RemovedSharePolicy = "Delete"
)

// ShareSpec is one export.
type ShareSpec struct {
	// Name is the export path, for example /media.
	// +kubebuilder:validation:Pattern=`^/[A-Za-z0-9._-]+$`
	// +kubebuilder:validation:MaxLength=128
	Name string `json:"name"`

	// ReadOnly exports the share read-only to everyone.
	// +optional
	ReadOnly bool `json:"readOnly,omitempty"`

	// DefaultPermission applies to users and groups without their own entry.
	// +kubebuilder:default=read-write
	// +kubebuilder:validation:Enum=none;read;read-write
	// +optional
	DefaultPermission string `json:"defaultPermission,omitempty"`

	// Quota caps the share's size; empty means no quota.
	// +optional
	Quota *resource.Quantity `json:"quota,omitempty"`

	// Permissions for named users and groups.
	// +optional
	Permissions []SharePermission `json:"permissions,omitempty"`
}

// SharePermission grants a user or a group a level on a share.
// +kubebuilder:validation:XValidation:rule="has(self.user) != has(self.group)",message="a permission names exactly one of user or group"
type SharePermission struct {
	// +optional
	User string `json:"user,omitempty"`
	// +optional
	Group string `json:"group,omitempty"`
	// +kubebuilder:validation:Enum=none;read;read-write
	Level string `json:"level"`
}
