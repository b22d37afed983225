package v1alpha1

import corev1 "k8s.io/api/core/v1"

// MetadataStoreType is where share metadata lives.
// +kubebuilder:validation:Enum=badger;postgres;memory
type MetadataStoreType string

const (
	// MetadataStoreBadger keeps metadata in badger on the metadata volume.
	MetadataStoreBadger MetadataStoreType = "badger"
	// MetadataStorePostgres keeps metadata in the control-plane PostgreSQL database.
	MetadataStorePostgres MetadataStoreType = "postgres"
	// MetadataStoreMemory keeps metadata in memory: lost on restart, for tests.
	MetadataStoreMemory MetadataStoreType = "memory"
)

// MetadataStoreSpec is where share metadata lives.
type MetadataStoreSpec struct {
	// +kubebuilder:default=badger
	// +optional
	Type MetadataStoreType `json:"type,omitempty"`
}

// LocalBlockStoreType is where file contents live on the server.
// +kubebuilder:validation:Enum=fs;memory
type LocalBlockStoreType string

// PayloadStoreSpec is where file contents live.
type PayloadStoreSpec struct {
	// Local block store.
	// +kubebuilder:default={type: fs}
	// +optional
	Local LocalBlockStoreSpec `json:"local,omitzero"`

	// S3 is an optional remote tier behind the local store.
	// +optional
	S3 *S3BlockStoreSpec `json:"s3,omitempty"`
}

// LocalBlockStoreSpec is the local block store.
type LocalBlockStoreSpec struct {
	// +kubebuilder:default=fs
	// +optional
	Type LocalBlockStoreType `json:"type,omitempty"`
}

// S3BlockStoreSpec is a remote S3-compatible block store.
type S3BlockStoreSpec struct {
	// +kubebuilder:validation:MinLength=1
	Bucket string `json:"bucket"`
	// +optional
	Region string `json:"region,omitempty"`
	// Endpoint for S3-compatible services other than AWS.
	// +optional
	Endpoint string `json:"endpoint,omitempty"`
	// +optional
	Prefix string `json:"prefix,omitempty"`
	// +optional
	ForcePathStyle bool `json:"forcePathStyle,omitempty"`
	// CredentialsSecretRef names a Secret with the keys accessKeyID and secretAccessKey.
	CredentialsSecretRef corev1.LocalObjectReference `json:"credentialsSecretRef"`
}
