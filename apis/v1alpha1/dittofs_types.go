package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DittoFS is one DittoFS file server with its storage, database, configuration and shares.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=dfs,categories=storage
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Paused",type=boolean,JSONPath=`.spec.paused`
// +kubebuilder:printcolumn:name="NFS",type=string,JSONPath=`.status.endpoints.nfs`
// +kubebuilder:printcolumn:name="Shares",type=string,JSONPath=`.status.shareSummary`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Reason",type=string,priority=1,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Last Backup",type=date,priority=1,JSONPath=`.status.lastBackupAt`
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 45",message="metadata.name must be at most 45 characters: it prefixes the names of the Services, volumes and Secrets the operator creates"
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",message="metadata.name must start with a letter and contain only lowercase letters, digits and '-': it names Services, which require a DNS-1035 label"
// +kubebuilder:validation:XValidation:rule="!has(self.spec.database) || !has(self.spec.database.postgres) || !has(self.spec.database.postgres.percona) || !has(self.spec.database.postgres.percona.create) || !self.spec.database.postgres.percona.create || size(self.metadata.name) <= 34",message="with database.postgres.percona.create, metadata.name must be at most 34 characters: the Percona operator names its PostgreSQL StatefulSet <name>-pg-instance1-xxxx, and Kubernetes allows at most 52 characters there"
type DittoFS struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +kubebuilder:default={}
	Spec   DittoFSSpec   `json:"spec,omitzero"`
	Status DittoFSStatus `json:"status,omitempty"`
}

// DittoFSList is a list of DittoFS objects.
//
// +kubebuilder:object:root=true
type DittoFSList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DittoFS `json:"items"`
}
