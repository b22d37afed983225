package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Phase is where a DittoFS stands on its way to serving. It is output only: the operator derives
// it from what it observes on every reconcile and never reads it back.
// +kubebuilder:validation:Enum=Pending;StorageReady;DatabaseReady;ConfigReady;Serving;Degraded
type Phase string

// The phases, in the order a new DittoFS meets them; Degraded once it has served.
const (
	PhasePending       Phase = "Pending"
	PhaseStorageReady  Phase = "StorageReady"
	PhaseDatabaseReady Phase = "DatabaseReady"
	PhaseConfigReady   Phase = "ConfigReady"
	PhaseServing       Phase = "Serving"
	PhaseDegraded      Phase = "Degraded"
)

// DittoFSStatus is what the operator observed.
type DittoFSStatus struct {
	// Phase derived from observation on the last reconcile.
	// +optional
	Phase Phase `json:"phase,omitempty"`

	// ObservedGeneration is the spec generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions, one per step, each with a reason and a message a person can act on.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ServedAt is when the server first served. It is the one fact remembered across reconciles:
	// once set, a failure makes the DittoFS Degraded instead of sending it back to an earlier phase.
	// +optional
	ServedAt *metav1.Time `json:"servedAt,omitempty"`

	// Endpoints where clients reach the server.
	// +optional
	Endpoints Endpoints `json:"endpoints,omitempty"`

	// ConfigHash is the hash of everything the server pod consumes; it is on the pod template too.
	// +optional
	ConfigHash string `json:"configHash,omitempty"`

	// Shares reports each share of the spec, and each share the operator created that was
	// removed from the spec but kept on the server (Disabled). This list is how the operator
	// remembers which shares on the server are its own.
	// +listType=map
	// +listMapKey=name
	// +optional
	Shares []ShareStatus `json:"shares,omitempty"`

	// ShareSummary is "ready/total", shown by kubectl get.
	// +optional
	ShareSummary string `json:"shareSummary,omitempty"`

	// Backups reports the snapshots and restore of each share that declares any, as last
	// observed on the server.
	// +listType=map
	// +listMapKey=share
	// +kubebuilder:validation:MaxItems=256
	// +optional
	Backups []ShareBackupStatus `json:"backups,omitempty"`

	// LastBackupAt is the newest of the shares' last successful snapshots, shown by
	// kubectl get -o wide.
	// +optional
	LastBackupAt *metav1.Time `json:"lastBackupAt,omitempty"`
}

// Endpoints where clients reach the server.
type Endpoints struct {
	// NFS is host:port of the NFS adapter.
	// +optional
	NFS string `json:"nfs,omitempty"`
	// SMB is host:port of the SMB adapter.
	// +optional
	SMB string `json:"smb,omitempty"`
	// API is host:port of the REST API inside the cluster.
	// +optional
	API string `json:"api,omitempty"`
	// Mount is a ready-to-paste NFS mount command for the first share that is Ready.
	// +optional
	Mount string `json:"mount,omitempty"`
}

// ShareState is the state of one share on the server.
// +kubebuilder:validation:Enum=Pending;Ready;Failed;Disabled;Unknown;Restoring
type ShareState string

// Share states: Pending (not looked at yet, or unknown), Ready (exported), Failed (with the
// server's message), Disabled (see below).
const (
	ShareStatePending ShareState = "Pending"
	ShareStateReady   ShareState = "Ready"
	ShareStateFailed  ShareState = "Failed"
	// ShareStateDisabled is a share removed from the spec and kept on the server, not exported.
	ShareStateDisabled ShareState = "Disabled"
	// ShareStateUnknown is a share the operator could not look at on the last pass (the server
	// is not running or does not answer, the admin Secret is missing); the message says why.
	ShareStateUnknown ShareState = "Unknown"
	// ShareStateRestoring is a share taken offline by its restore request (see status.backups).
	ShareStateRestoring ShareState = "Restoring"
)

// ShareStatus is the state of one share on the server.
type ShareStatus struct {
	Name  string     `json:"name"`
	State ShareState `json:"state"`
	// Message from the server or the operator.
	// +optional
	Message string `json:"message,omitempty"`
}
