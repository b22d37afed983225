package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DatabaseType is the kind of control-plane database.
// +kubebuilder:validation:Enum=sqlite;postgres
type DatabaseType string

const (
	// DatabaseSQLite keeps the control plane in a SQLite file on the control-plane volume.
	DatabaseSQLite DatabaseType = "sqlite"
	// DatabasePostgres keeps the control plane in PostgreSQL.
	DatabasePostgres DatabaseType = "postgres"
)

// DatabaseSpec is the server's control-plane database.
// +kubebuilder:validation:XValidation:rule="(has(self.type) && self.type == 'postgres') == has(self.postgres)",message="database.postgres is required when database.type is postgres, and must be absent otherwise"
type DatabaseSpec struct {
	// Type of the database. It is fixed once set: the server's users, groups, permissions and
	// snapshot records live in it, and another type would start an empty control plane.
	// +kubebuilder:default=sqlite
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="database.type cannot change: the server's users, groups, permissions and snapshot records live in the current database and a new one starts empty; create a new DittoFS on the other database and move the data (see docs/data-safety.md)"
	// +optional
	Type DatabaseType `json:"type,omitempty"`

	// Postgres says where the PostgreSQL database comes from.
	// +optional
	Postgres *PostgresSpec `json:"postgres,omitempty"`

	// ReadyTimeout is how long to wait for a new database to become usable before reporting it
	// as failed (condition DatabaseReady=False, reason DatabaseTimeout). Waiting goes on after
	// that. It is counted from the later of the creation of the DittoFS and of the database's
	// cluster or Secret, and applies until the server first serves; after that an unusable
	// database degrades the DittoFS at once.
	// +kubebuilder:default="10m"
	// +kubebuilder:validation:XValidation:rule="self.matches('^(0|([0-9]+([.][0-9]+)?(ns|us|µs|ms|s|m|h))+)$')",message="database.readyTimeout must be a non-negative duration such as 10m or 1h30m"
	// +optional
	ReadyTimeout *metav1.Duration `json:"readyTimeout,omitempty"`
}

// PostgresSpec names exactly one source of a PostgreSQL database.
// +kubebuilder:validation:XValidation:rule="(has(self.percona) ? 1 : 0) + (has(self.secretRef) ? 1 : 0) == 1",message="database.postgres needs exactly one of percona or secretRef"
type PostgresSpec struct {
	// Percona uses a PerconaPGCluster from the Percona Operator for PostgreSQL.
	// +optional
	Percona *PerconaSpec `json:"percona,omitempty"`

	// SecretRef names a Secret in the same namespace for any PostgreSQL server, with the keys
	// host, port, dbname, user and password, and optionally sslmode.
	// +kubebuilder:validation:XValidation:rule="has(self.name) && size(self.name) <= 253 && self.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="database.postgres.secretRef.name must name a Secret in this namespace (lowercase letters, digits, '-' and '.', for example pg-connection)"
	// +optional
	SecretRef *corev1.LocalObjectReference `json:"secretRef,omitempty"`

	// SSLMode of the connection, used when the Secret has no sslmode key (a Percona user Secret
	// never has one; Percona clusters accept TLS connections only, so keep require there).
	// +kubebuilder:default=require
	// +kubebuilder:validation:Enum=disable;require;verify-ca;verify-full
	// +optional
	SSLMode string `json:"sslMode,omitempty"`
}

// PerconaSpec is a PerconaPGCluster that the operator creates and owns, or an existing one.
// +kubebuilder:validation:XValidation:rule="(has(self.create) && self.create) != has(self.clusterRef)",message="database.postgres.percona needs either create: true or clusterRef, not both"
// +kubebuilder:validation:XValidation:rule="(has(self.create) && self.create) == (has(oldSelf.create) && oldSelf.create)",message="database.postgres.percona.create cannot change: a created cluster and a referenced one hold different data"
// +kubebuilder:validation:XValidation:rule="has(self.storageClassName) == has(oldSelf.storageClassName) && (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName)",message="database.postgres.percona.storageClassName cannot change: the volumes already exist"
type PerconaSpec struct {
	// Create makes the operator create and own a PerconaPGCluster named <name>-pg. It needs the
	// Percona Operator for PostgreSQL 2.9.0 or later in the cluster.
	// +optional
	Create bool `json:"create,omitempty"`

	// ClusterRef names an existing PerconaPGCluster in the same namespace. It is never changed or
	// deleted by this operator.
	// +kubebuilder:validation:XValidation:rule="has(self.name) && size(self.name) <= 253 && self.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="database.postgres.percona.clusterRef.name must name a PerconaPGCluster in this namespace (lowercase letters, digits, '-' and '.')"
	// +optional
	ClusterRef *corev1.LocalObjectReference `json:"clusterRef,omitempty"`

	// User is the PostgreSQL user (and database) DittoFS connects as; Percona allows lowercase
	// letters, digits and '-'. Unset, it is dittofs-<name>: one per DittoFS, so two DittoFS on one
	// cluster never share a control plane. (It was dittofs for every DittoFS before; objects
	// created then keep user dittofs in their spec, and a created cluster kept from then keeps its
	// dittofs user and database.) With clusterRef, the cluster must declare it in spec.users
	// (without a custom secretName).
	// +kubebuilder:validation:Pattern=`^[a-z]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:MaxLength=63
	// +optional
	User string `json:"user,omitempty"`

	// Instances is the number of PostgreSQL replicas of a created cluster.
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=9
	// +optional
	Instances int32 `json:"instances,omitempty"`

	// StorageSize of each instance's data volume in a created cluster. It can grow, never shrink.
	// +kubebuilder:default="10Gi"
	// +kubebuilder:validation:XValidation:rule="isQuantity(string(self)) && quantity(string(self)).isGreaterThan(quantity('0'))",message="percona.storageSize must be a positive quantity such as 10Gi"
	// +kubebuilder:validation:XValidation:rule="!isQuantity(string(oldSelf)) || !isQuantity(string(self)) || quantity(string(self)).compareTo(quantity(string(oldSelf))) >= 0",message="percona.storageSize cannot shrink: PostgreSQL volumes can only grow"
	// +optional
	StorageSize resource.Quantity `json:"storageSize,omitzero"`

	// StorageClassName of a created cluster's volumes; unset means the cluster default. It is
	// fixed once set.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="database.postgres.percona.storageClassName must name a StorageClass; remove the field to use the cluster's default class"
	// +optional
	StorageClassName *string `json:"storageClassName,omitempty"`

	// PostgresVersion of a created cluster. It is fixed: a major upgrade goes through Percona's
	// own PerconaPGUpgrade, not through this field.
	// +kubebuilder:default=16
	// +kubebuilder:validation:Minimum=14
	// +kubebuilder:validation:Maximum=18
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="percona.postgresVersion cannot change: upgrade PostgreSQL with a PerconaPGUpgrade"
	// +optional
	PostgresVersion int32 `json:"postgresVersion,omitempty"`

	// Images of a created cluster; empty fields take the operator's pinned defaults for the
	// PostgreSQL version.
	// +optional
	Images PerconaImages `json:"images,omitzero"`
}

// PerconaImages are the images of a created PerconaPGCluster. A created cluster has no
// pgBouncer: DittoFS pools its own connections and talks to the primary directly.
type PerconaImages struct {
	// Postgres is the PostgreSQL image; it must match postgresVersion.
	// +kubebuilder:validation:XValidation:rule="self.contains('@sha256:') || (self.matches(':[A-Za-z0-9_][A-Za-z0-9_.-]*$') && !self.endsWith(':latest'))",message="percona images must name a pinned version or a digest, not latest"
	// +optional
	Postgres string `json:"postgres,omitempty"`
	// PgBackRest is required by the Percona operator even though the created cluster has no backups.
	// +kubebuilder:validation:XValidation:rule="self.contains('@sha256:') || (self.matches(':[A-Za-z0-9_][A-Za-z0-9_.-]*$') && !self.endsWith(':latest'))",message="percona images must name a pinned version or a digest, not latest"
	// +optional
	PgBackRest string `json:"pgBackRest,omitempty"`
}
