package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DefaultImage is the DittoFS server image used when spec.image is empty and the manager was
// given no --default-dittofs-image.
const DefaultImage = "marmos91c/dittofs:v0.29.0"

// DittoFSSpec is everything a user declares about one DittoFS server.
// +kubebuilder:validation:XValidation:rule="!has(self.metadataStore) || !has(self.metadataStore.type) || self.metadataStore.type != 'postgres' || (has(self.database) && has(self.database.type) && self.database.type == 'postgres')",message="metadataStore.type postgres keeps metadata in the control-plane PostgreSQL database: set database.type to postgres too"
// +kubebuilder:validation:XValidation:rule="!has(self.adapters) || !has(self.adapters.smb) || !has(self.adapters.smb.enabled) || !self.adapters.smb.enabled || !has(self.shares) || self.shares.all(s, s.name == s.name.lowerAscii())",message="with SMB enabled every share name must be lowercase (/media, not /Media): SMB clients reach shares by their lowercased name"
// +kubebuilder:validation:XValidation:rule="!has(self.payloadStore) || !has(self.payloadStore.local) || !has(self.payloadStore.local.type) || self.payloadStore.local.type != 'memory' || !has(self.shares) || self.shares.all(s, !has(s.snapshots) && !has(s.restore))",message="snapshots and restores need the fs local block store: with payloadStore.local.type memory the server cannot snapshot a share, so remove shares[].snapshots and shares[].restore or use type fs"
type DittoFSSpec struct {
	// Paused stops every change to this DittoFS, for maintenance: while it is true the operator
	// writes nothing but status (the Paused condition), creates, updates and deletes no object
	// and makes no call to the server, and changes to the spec wait until it is false again.
	// Deleting the DittoFS still applies spec.storage.deletionPolicy.
	// +kubebuilder:default=false
	// +optional
	Paused bool `json:"paused,omitempty"`

	// Image is the DittoFS server image. It must carry a pinned tag or digest; 'latest' is refused
	// because an image that changes under the same name makes rollouts unpredictable. Empty means
	// the operator's default image (its --default-dittofs-image, marmos91c/dittofs:v0.29.0 unless
	// set), so upgrading the operator can upgrade the servers that do not pin an image.
	// +kubebuilder:validation:XValidation:rule="self.contains('@sha256:') || (self.matches(':[A-Za-z0-9_][A-Za-z0-9_.-]*$') && !self.endsWith(':latest'))",message="spec.image must name a pinned version (for example marmos91c/dittofs:v0.29.0) or a digest; an untagged image or the tag 'latest' is not allowed"
	// +optional
	Image string `json:"image,omitempty"`

	// ImagePullPolicy of the server container.
	// +kubebuilder:default=IfNotPresent
	// +kubebuilder:validation:Enum=Always;IfNotPresent;Never
	// +optional
	ImagePullPolicy corev1.PullPolicy `json:"imagePullPolicy,omitempty"`

	// ImagePullSecrets for a private registry.
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:XValidation:rule="self.all(s, has(s.name) && size(s.name) > 0)",message="every entry of imagePullSecrets must name a Secret: remove the entries with an empty name"
	// +optional
	ImagePullSecrets []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty"`

	// Storage holds the three volumes of the server.
	// +kubebuilder:default={}
	// +optional
	Storage StorageSpec `json:"storage,omitzero"`

	// Database is the server's control-plane database.
	// +kubebuilder:default={type: sqlite}
	// +optional
	Database DatabaseSpec `json:"database,omitzero"`

	// MetadataStore is where share metadata lives.
	// +kubebuilder:default={}
	// +optional
	MetadataStore MetadataStoreSpec `json:"metadataStore,omitzero"`

	// PayloadStore is where file contents live.
	// +kubebuilder:default={}
	// +optional
	PayloadStore PayloadStoreSpec `json:"payloadStore,omitzero"`

	// Adapters are the file protocols the server speaks.
	// +kubebuilder:default={}
	// +optional
	Adapters AdaptersSpec `json:"adapters,omitzero"`

	// Service is how clients reach the NFS and SMB ports.
	// +kubebuilder:default={}
	// +optional
	Service ServiceSpec `json:"service,omitzero"`

	// Resources of the server container.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitzero"`

	// Scheduling places the server's pod.
	// +optional
	Scheduling SchedulingSpec `json:"scheduling,omitzero"`

	// Metrics exposes the server's Prometheus metrics.
	// +kubebuilder:default={}
	// +optional
	Metrics MetricsSpec `json:"metrics,omitzero"`

	// Logging of the server process.
	// +kubebuilder:default={}
	// +optional
	Logging LoggingSpec `json:"logging,omitzero"`

	// ControlPlane is the server's REST API, through which the operator configures it.
	// +optional
	ControlPlane ControlPlaneSpec `json:"controlPlane,omitzero"`

	// Network says who may reach the server pod (a NetworkPolicy, on by default).
	// +kubebuilder:default={}
	// +optional
	Network NetworkSpec `json:"network,omitzero"`

	// Shares are the exports the server offers over NFS and SMB. Two names may not differ only in
	// letter case: SMB clients reach shares by their lowercased name.
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:XValidation:rule="self.map(a, a.name.lowerAscii()).all(n, self.exists_one(b, b.name.lowerAscii() == n))",message="two shares differ only in letter case (such as /Media and /media): SMB clients reach shares by their lowercased name, so rename or remove one"
	// +optional
	Shares []ShareSpec `json:"shares,omitempty"`

	// RemovedShares says what happens on the server to a share that is removed from spec.shares.
	// Disable (the default) stops exporting it and keeps its data; Delete removes it and its data.
	// +kubebuilder:default=Disable
	// +kubebuilder:validation:Enum=Disable;Delete
	// +optional
	RemovedShares RemovedSharePolicy `json:"removedShares,omitempty"`
}

// DeletionPolicy says what happens to data when its owner goes away.
type DeletionPolicy string

const (
	// DeletionPolicyRetain keeps the data: volumes, generated credentials, owned databases.
	DeletionPolicyRetain DeletionPolicy = "Retain"
	// DeletionPolicyDelete deletes the data with the DittoFS.
	DeletionPolicyDelete DeletionPolicy = "Delete"
)

// StorageSpec holds the server's three volumes.
type StorageSpec struct {
	// StorageClassName of the volumes; unset means the cluster's default class.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="storage.storageClassName must name a StorageClass; remove the field to use the cluster's default class"
	// +optional
	StorageClassName *string `json:"storageClassName,omitempty"`

	// ControlPlane holds the SQLite control-plane database (unused with PostgreSQL).
	// +kubebuilder:default={size: "1Gi"}
	// +optional
	ControlPlane VolumeSpec `json:"controlPlane,omitzero"`

	// Metadata holds the badger metadata store.
	// +kubebuilder:default={size: "10Gi"}
	// +optional
	Metadata VolumeSpec `json:"metadata,omitzero"`

	// Payload holds file contents (the local block store) and local snapshots.
	// +kubebuilder:default={size: "10Gi"}
	// +optional
	Payload VolumeSpec `json:"payload,omitzero"`

	// DeletionPolicy says what happens to the volumes and the generated credentials when the DittoFS
	// is deleted. Retain (the default) keeps them so that a DittoFS of the same name finds its data.
	// +kubebuilder:default=Retain
	// +kubebuilder:validation:Enum=Retain;Delete
	// +optional
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// VolumeSpec is one persistent volume.
// +kubebuilder:validation:XValidation:rule="isQuantity(string(self.size)) && quantity(string(self.size)).isGreaterThan(quantity('0'))",message="a volume size must be a positive quantity such as 10Gi"
// +kubebuilder:validation:XValidation:rule="!isQuantity(string(oldSelf.size)) || !isQuantity(string(self.size)) || quantity(string(self.size)).compareTo(quantity(string(oldSelf.size))) >= 0",message="a volume cannot shrink: set the size back to at least its previous value (volumes can only grow)"
type VolumeSpec struct {
	// Size of the volume. It can grow (when the storage class allows expansion) but never shrink.
	// +kubebuilder:default="1Gi"
	Size resource.Quantity `json:"size,omitzero"`
}

// AdaptersSpec holds the file protocols.
// +kubebuilder:validation:XValidation:rule="(!has(self.nfs) || !has(self.nfs.enabled) || self.nfs.enabled) || (has(self.smb) && has(self.smb.enabled) && self.smb.enabled)",message="enable at least one adapter (adapters.nfs.enabled or adapters.smb.enabled): a server with neither serves nothing"
// +kubebuilder:validation:XValidation:rule="!(has(self.smb) && has(self.smb.enabled) && self.smb.enabled) || (has(self.nfs) && has(self.nfs.enabled) && !self.nfs.enabled) || ((has(self.nfs) && has(self.nfs.port) ? self.nfs.port : 2049) != (has(self.smb.port) ? self.smb.port : 445))",message="adapters.nfs.port and adapters.smb.port must differ when both adapters are enabled: both are ports of the one data-plane Service; change one of them"
type AdaptersSpec struct {
	// NFS (v3 and v4) adapter, on by default.
	// +kubebuilder:default={}
	// +optional
	NFS NFSAdapterSpec `json:"nfs,omitzero"`

	// SMB2 adapter, off by default.
	// +kubebuilder:default={}
	// +optional
	SMB SMBAdapterSpec `json:"smb,omitzero"`
}

// NFSAdapterSpec is the NFS protocol.
type NFSAdapterSpec struct {
	// Enabled turns NFS on.
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// Port clients connect to on the data-plane Service.
	// +kubebuilder:default=2049
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +optional
	Port int32 `json:"port,omitempty"`
}

// IsEnabled reports whether NFS is on; it is unless the spec turns it off.
func (a NFSAdapterSpec) IsEnabled() bool { return a.Enabled == nil || *a.Enabled }

// SMBAdapterSpec is the SMB2 protocol.
type SMBAdapterSpec struct {
	// Enabled turns SMB on.
	// +optional
	Enabled bool `json:"enabled,omitempty"`

	// Port clients connect to on the data-plane Service.
	// +kubebuilder:default=445
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +optional
	Port int32 `json:"port,omitempty"`
}

// ServiceType is how the data-plane Service is exposed.
// +kubebuilder:validation:Enum=LoadBalancer;NodePort;ClusterIP
type ServiceType string

// ServiceSpec is how clients reach the server.
// +kubebuilder:validation:XValidation:rule="!has(self.loadBalancerSourceRanges) || size(self.loadBalancerSourceRanges) == 0 || (has(self.type) && self.type == 'LoadBalancer')",message="service.loadBalancerSourceRanges applies to type LoadBalancer only: set service.type: LoadBalancer or remove the ranges"
type ServiceSpec struct {
	// Type of the data-plane Service. ClusterIP (the default) keeps the file ports inside the
	// cluster; LoadBalancer can make them reachable from the internet on the big clouds: pair it
	// with loadBalancerSourceRanges.
	// +kubebuilder:default=ClusterIP
	// +optional
	Type ServiceType `json:"type,omitempty"`

	// LoadBalancerSourceRanges are the client CIDRs a LoadBalancer Service accepts, such as
	// 10.20.0.0/16; empty means whatever the cloud's load balancer allows (often everyone).
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=43
	// +kubebuilder:validation:XValidation:rule="self.all(c, isCIDR(c))",message="every entry of service.loadBalancerSourceRanges must be a CIDR such as 10.20.0.0/16 or 2001:db8::/32"
	// +optional
	LoadBalancerSourceRanges []string `json:"loadBalancerSourceRanges,omitempty"`

	// Annotations on the data-plane Service (load-balancer settings).
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`

	// LoadBalancerTimeout is how long to wait for a load-balancer address before reporting the node
	// port as the endpoint (condition LoadBalancerReady=False, reason NodePortFallback).
	// +kubebuilder:default="2m"
	// +kubebuilder:validation:XValidation:rule="self.matches('^(0|([0-9]+([.][0-9]+)?(ns|us|µs|ms|s|m|h))+)$')",message="service.loadBalancerTimeout must be a non-negative duration such as 2m or 90s"
	// +optional
	LoadBalancerTimeout *metav1.Duration `json:"loadBalancerTimeout,omitempty"`
}

// SchedulingSpec places the server's pod.
type SchedulingSpec struct {
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	// +optional
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`
	// PriorityClassName of the server pod; it must name a PriorityClass.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="scheduling.priorityClassName must name a PriorityClass (lowercase letters, digits, '-' and '.'); remove the field for the default priority"
	// +optional
	PriorityClassName string `json:"priorityClassName,omitempty"`
}

// MetricsSpec exposes the server's Prometheus metrics on the API Service.
type MetricsSpec struct {
	// +kubebuilder:default=false
	// +optional
	Enabled bool `json:"enabled,omitempty"`

	// Port of the metrics endpoint in the pod and on the API Service. It cannot be a port the
	// server already listens on in the pod: 8080 (REST API), 12049 (NFS) or 1445 (SMB).
	// +kubebuilder:default=9090
	// +kubebuilder:validation:Minimum=1024
	// +kubebuilder:validation:Maximum=65535
	// +kubebuilder:validation:XValidation:rule="!(self in [8080, 12049, 1445])",message="metrics.port cannot be 8080 (REST API), 12049 (NFS) or 1445 (SMB): the server already listens there inside the pod; use another port such as 9090"
	// +optional
	Port int32 `json:"port,omitempty"`
}

// LoggingSpec sets the server's log level. Logs always go to stdout in JSON.
type LoggingSpec struct {
	// +kubebuilder:default=INFO
	// +kubebuilder:validation:Enum=DEBUG;INFO;WARN;ERROR
	// +optional
	Level string `json:"level,omitempty"`
}
