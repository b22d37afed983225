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
// +kubebuilder:validation:XValidation:rule="!has(self.restore) || !has(self.restore.snapshot) || (has(self.snapshots) && has(self.snapshots.onDemand) && self.snapshots.onDemand.exists(o, o.name == self.restore.snapshot))",message="restore.snapshot must name an entry of this share's snapshots.onDemand; to restore another snapshot use restore.snapshotID"
type ShareSpec struct {
	// Name is the export path, for example /media: one segment after the slash, of letters,
	// digits, '.', '_' and '-', not only dots. With SMB enabled it must be lowercase, and two
	// shares may never differ only in letter case (see spec.shares).
	// +kubebuilder:validation:Pattern=`^/[A-Za-z0-9._-]+$`
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:XValidation:rule="!self.substring(1).contains('/')",message="a share name is a single segment such as /media: nested shares such as /media/photos are not supported, export /photos instead"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^/[.]+$')",message="a share name cannot be only dots (/. or /..): NFS clients read them as the current or parent directory; use a name with a letter or digit"
	Name string `json:"name"`

	// ReadOnly exports the share read-only to everyone.
	// +optional
	ReadOnly bool `json:"readOnly,omitempty"`

	// DefaultPermission applies to users and groups without their own entry, which over NFS
	// with AUTH_SYS is any client that can reach the port: read by default, so that writing
	// is something the spec says (read-write) rather than what a new share does.
	// +kubebuilder:default=read
	// +kubebuilder:validation:Enum=none;read;read-write
	// +optional
	DefaultPermission string `json:"defaultPermission,omitempty"`

	// Quota caps the share's size: a positive whole number of bytes written as a string such as
	// "10Gi"; unset means no quota. (The schema is a bounded string rather than the usual
	// int-or-string quantity so that its rule stays within the API server's CEL cost budget.)
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="isQuantity(self) && quantity(self).isInteger() && quantity(self).isGreaterThan(quantity('0'))",message="a share quota must be a positive whole number of bytes such as 10Gi (not 0, negative or fractional); leave quota out for no limit"
	// +optional
	Quota *resource.Quantity `json:"quota,omitempty"`

	// Permissions for named users and groups.
	// +optional
	Permissions []SharePermission `json:"permissions,omitempty"`

	// Snapshots are the share's backups: a schedule and on-demand requests. They need the fs
	// local block store (spec.payloadStore.local.type).
	// +optional
	Snapshots *ShareSnapshots `json:"snapshots,omitempty"`

	// Restore rolls the share back to a snapshot, once per name (see docs/backups.md). While it
	// runs the share is offline and the DittoFS reports Restoring.
	// +optional
	Restore *ShareRestore `json:"restore,omitempty"`
}

// SharePermission grants a user or a group a level on a share.
// +kubebuilder:validation:XValidation:rule="has(self.user) != has(self.group)",message="a permission names exactly one of user or group"
type SharePermission struct {
	// User is a DittoFS user name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	User string `json:"user,omitempty"`
	// Group is a DittoFS group name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	Group string `json:"group,omitempty"`
	// +kubebuilder:validation:Enum=none;read;read-write
	Level string `json:"level"`
}
