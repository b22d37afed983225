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
	// Type of the database.
	// +kubebuilder:default=sqlite
	// +optional
	Type DatabaseType `json:"type,omitempty"`

	// Postgres says where the PostgreSQL database comes from.
	// +optional
	Postgres *PostgresSpec `json:"postgres,omitempty"`

	// ReadyTimeout is how long to wait for the database to become usable before reporting it as
	// failed (condition DatabaseReady=False, reason DatabaseTimeout). Waiting goes on after that.
	// +kubebuilder:default="10m"
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
	// +optional
	SecretRef *corev1.LocalObjectReference `json:"secretRef,omitempty"`

	// SSLMode for the connection when the Secret does not carry one.
	// +kubebuilder:default=require
	// +kubebuilder:validation:Enum=disable;require;verify-ca;verify-full
	// +optional
	SSLMode string `json:"sslMode,omitempty"`
}

// PerconaSpec is a PerconaPGCluster that the operator creates and owns, or an existing one.
// +kubebuilder:validation:XValidation:rule="self.create != has(self.clusterRef)",message="database.postgres.percona needs either create: true or clusterRef, not both"
type PerconaSpec struct {
	// Create makes the operator create and own a PerconaPGCluster named <name>-pg.
	// +optional
	Create bool `json:"create,omitempty"`

	// ClusterRef names an existing PerconaPGCluster in the same namespace. It is never changed or
	// deleted by this operator.
	// +optional
	ClusterRef *corev1.LocalObjectReference `json:"clusterRef,omitempty"`

	// User is the PostgreSQL user (and database) DittoFS connects as. With clusterRef, the
	// cluster must declare it in spec.users.
	// +kubebuilder:default=dittofs
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9_]*$`
	// +optional
	User string `json:"user,omitempty"`

	// Instances is the number of PostgreSQL replicas of a created cluster.
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +optional
	Instances int32 `json:"instances,omitempty"`

	// StorageSize of each instance's data volume in a created cluster.
	// +kubebuilder:default="10Gi"
	// +optional
	StorageSize resource.Quantity `json:"storageSize,omitzero"`

	// StorageClassName of a created cluster's volumes; empty means the cluster default.
	// +optional
	StorageClassName *string `json:"storageClassName,omitempty"`

	// PostgresVersion of a created cluster.
	// +kubebuilder:default=16
	// +kubebuilder:validation:Minimum=13
	// +kubebuilder:validation:Maximum=17
	// +optional
	PostgresVersion int32 `json:"postgresVersion,omitempty"`

	// Images of a created cluster; empty fields take the operator's pinned defaults.
	// +optional
	Images PerconaImages `json:"images,omitzero"`
}

// PerconaImages are the images of a created PerconaPGCluster.
type PerconaImages struct {
	// +optional
	Postgres string `json:"postgres,omitempty"`
	// +optional
	PgBouncer string `json:"pgBouncer,omitempty"`
	// +optional
	PgBackRest string `json:"pgBackRest,omitempty"`
}
