package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// ShareSnapshots are a share's backups: snapshots the server keeps beside the share's data (on
// the payload volume, never elsewhere: see docs/backups.md), taken on a schedule or on request.
type ShareSnapshots struct {
	// Schedule makes the server snapshot the share at a fixed interval and prune old scheduled
	// snapshots. Unset: the operator keeps no policy on the share (it deletes the one it created,
	// and never touches one it did not).
	// +optional
	Schedule *SnapshotSchedule `json:"schedule,omitempty"`

	// OnDemand are named snapshot requests, each taken exactly once: never again after an
	// operator restart, a lost status or a re-created DittoFS, because the snapshot is found on
	// the server by its name. A request cannot be renamed; add a new one for a new snapshot.
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=32
	// +optional
	OnDemand []OnDemandSnapshot `json:"onDemand,omitempty"`
}

// SnapshotSchedule is the share's snapshot policy on the server.
// +kubebuilder:validation:XValidation:rule="!has(self.maxAge) || duration(self.maxAge) >= duration(self.interval)",message="snapshots.schedule.maxAge must be at least the interval, or every scheduled snapshot would be pruned before the next one is taken"
type SnapshotSchedule struct {
	// Interval between scheduled snapshots, a duration such as 6h or 30m. The server checks its
	// schedules once a minute, so an interval shorter than that is taken at most once a minute.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1s') && duration(self) <= duration('8760h')",message="snapshots.schedule.interval must be a duration between 1s and 8760h (one year), such as 6h"
	Interval metav1.Duration `json:"interval"`

	// KeepLast is how many ready scheduled snapshots the server keeps; older ones are pruned.
	// +kubebuilder:default=7
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +optional
	KeepLast int32 `json:"keepLast,omitempty"`

	// MaxAge prunes scheduled snapshots older than this, but never the newest keepAtLeast ready
	// ones: a run of failed snapshots never leaves the share with no backup.
	// +kubebuilder:validation:Type=string
	// +optional
	MaxAge *metav1.Duration `json:"maxAge,omitempty"`

	// KeepAtLeast is how many of the newest ready scheduled snapshots maxAge never prunes.
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +optional
	KeepAtLeast int32 `json:"keepAtLeast,omitempty"`

	// Suspend stops scheduled snapshots and keeps the policy and its snapshots.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// SnapshotRemovalPolicy says what happens to an on-demand snapshot whose request is removed.
// +kubebuilder:validation:Enum=Retain;Delete
type SnapshotRemovalPolicy string

const (
	// SnapshotRetain keeps the snapshot on the server when its request is removed.
	SnapshotRetain SnapshotRemovalPolicy = "Retain"
	// SnapshotDelete deletes the snapshot from the server when its request is removed.
	SnapshotDelete SnapshotRemovalPolicy = "Delete"
)

// OnDemandSnapshot is a request for one snapshot of the share.
type OnDemandSnapshot struct {
	// Name of the request, unique in the share; the snapshot on the server is named
	// k8s-<name>, which is how the operator finds it again.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=56
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// OnRemoval says what happens to the snapshot when this request is removed from the spec:
	// Retain (the default) keeps it on the server, Delete deletes it. It may be changed before
	// the request is removed; a lost status keeps the snapshot.
	// +kubebuilder:default=Retain
	// +optional
	OnRemoval SnapshotRemovalPolicy `json:"onRemoval,omitempty"`
}

// ShareRestore asks for the share to be rolled back to a snapshot, once. The share is taken
// offline for it (its clients see it disappear), and the server snapshots the current state
// first (the safety snapshot in status), so a restore can itself be undone.
// +kubebuilder:validation:XValidation:rule="has(self.snapshot) != has(self.snapshotID)",message="a restore names exactly one of snapshot (an onDemand request of this share) or snapshotID (a snapshot id on the server)"
// +kubebuilder:validation:XValidation:rule="self.name != oldSelf.name || self == oldSelf",message="a restore request cannot be changed once applied: give it a new name to ask for a new restore"
type ShareRestore struct {
	// Name of the restore. Each name is carried out at most once, for as long as the server
	// keeps its data: a new restore is a new name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// Snapshot is the name of an onDemand request of this share.
	// +kubebuilder:validation:MaxLength=56
	// +optional
	Snapshot string `json:"snapshot,omitempty"`

	// SnapshotID is the server's id of a snapshot of this share (a scheduled one, say).
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F-]+$`
	// +optional
	SnapshotID string `json:"snapshotID,omitempty"`

	// AllowNonDurable permits restoring a snapshot whose blocks are not all confirmed in the
	// remote (S3) store. Every snapshot of a share without S3 is such a snapshot.
	// +optional
	AllowNonDurable bool `json:"allowNonDurable,omitempty"`
}

// ShareBackupStatus is what the operator last observed of one share's backups.
type ShareBackupStatus struct {
	// Share is the share's name.
	Share string `json:"share"`

	// Policy is the share's snapshot policy as observed: None, Active, Suspended, Paused (for
	// a restore) or Foreign (a policy the operator did not create, left alone).
	// +optional
	Policy string `json:"policy,omitempty"`

	// Scheduled counts the share's scheduled snapshots on the server by state.
	// +optional
	Scheduled SnapshotCounts `json:"scheduled,omitzero"`

	// LastScheduled is the newest scheduled snapshot.
	// +optional
	LastScheduled *SnapshotRecord `json:"lastScheduled,omitempty"`

	// LastSuccessfulAt is when the newest ready snapshot of the share (scheduled or on demand)
	// was taken.
	// +optional
	LastSuccessfulAt *metav1.Time `json:"lastSuccessfulAt,omitempty"`

	// OnDemand reports each on-demand request of the spec, and removed ones whose snapshot is
	// still to be deleted.
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=64
	// +optional
	OnDemand []OnDemandSnapshotStatus `json:"onDemand,omitempty"`

	// Restore is the state of the share's restore request.
	// +optional
	Restore *RestoreStatus `json:"restore,omitempty"`
}

// SnapshotCounts counts snapshots by state.
type SnapshotCounts struct {
	Ready    int32 `json:"ready"`
	Creating int32 `json:"creating"`
	Failed   int32 `json:"failed"`
}

// SnapshotRecord is one snapshot as the server reports it.
type SnapshotRecord struct {
	// ID is the server's id of the snapshot.
	ID string `json:"id"`
	// State is creating, ready or failed.
	State string `json:"state"`
	// RemoteDurable: every block of the snapshot is confirmed in the remote store.
	// +optional
	RemoteDurable bool `json:"remoteDurable,omitempty"`
	// CreatedAt is when the snapshot was started.
	// +optional
	CreatedAt *metav1.Time `json:"createdAt,omitempty"`
	// CompletedAt is when it became ready or failed.
	// +optional
	CompletedAt *metav1.Time `json:"completedAt,omitempty"`
	// Message is the server's error of a failed snapshot.
	// +optional
	Message string `json:"message,omitempty"`
}

// OnDemandSnapshotStatus is the outcome of one on-demand request.
type OnDemandSnapshotStatus struct {
	Name string `json:"name"`
	// Snapshot is the server's snapshot for the request; empty until it is taken.
	// +optional
	Snapshot *SnapshotRecord `json:"snapshot,omitempty"`
	// OnRemoval is the request's removal policy as last seen in the spec, so that a removed
	// request is handled as it said.
	// +optional
	OnRemoval SnapshotRemovalPolicy `json:"onRemoval,omitempty"`
	// Removed marks a request no longer in the spec whose snapshot is still being deleted.
	// +optional
	Removed bool `json:"removed,omitempty"`
}

// RestoreStep is where a restore stands.
// +kubebuilder:validation:Enum=Pending;Quiescing;Restoring;Restored;Completed;Failed
type RestoreStep string

// The steps of a restore, in order; Failed ends it early.
const (
	// RestorePending: not started (waiting for the snapshot to be ready).
	RestorePending RestoreStep = "Pending"
	// RestoreQuiescing: the share's policy is paused and the share taken offline.
	RestoreQuiescing RestoreStep = "Quiescing"
	// RestoreRestoring: the server is restoring; the share is offline.
	RestoreRestoring RestoreStep = "Restoring"
	// RestoreRestored: the data is restored; the share is being put back online.
	RestoreRestored RestoreStep = "Restored"
	// RestoreCompleted: the share is back online with the snapshot's data.
	RestoreCompleted RestoreStep = "Completed"
	// RestoreFailed: the restore did not happen or did not finish; the message says where the
	// share stands.
	RestoreFailed RestoreStep = "Failed"
)

// RestoreStatus is the state of one restore request.
type RestoreStatus struct {
	// Name of the request.
	Name string `json:"name"`
	// Step the restore is at.
	Step RestoreStep `json:"step"`
	// SnapshotID is the snapshot restored.
	// +optional
	SnapshotID string `json:"snapshotID,omitempty"`
	// SafetySnapshotID is the snapshot of the share as it was just before the restore: restore
	// it to undo this one.
	// +optional
	SafetySnapshotID string `json:"safetySnapshotID,omitempty"`
	// StartedAt and CompletedAt bound the restore.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`
	// +optional
	CompletedAt *metav1.Time `json:"completedAt,omitempty"`
	// Message says what happened, or where the share stands.
	// +optional
	Message string `json:"message,omitempty"`
}
