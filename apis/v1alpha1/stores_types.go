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
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.s3) || has(self.s3)",message="payloadStore.s3 cannot be removed: existing shares keep blocks in that bucket that may exist nowhere else, and the server would detach it from every share; to leave S3, copy the data to a new DittoFS without S3 (see docs/data-safety.md)"
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

// S3BlockStoreSpec is a remote S3-compatible block store. Where the blocks live (bucket, prefix,
// endpoint, region) is fixed once set: the one store all shares use would be repointed in place,
// and the blocks already in the old place would become unreachable. Credentials may change.
// +kubebuilder:validation:XValidation:rule="self.bucket == oldSelf.bucket && has(self.prefix) == has(oldSelf.prefix) && (!has(self.prefix) || self.prefix == oldSelf.prefix) && has(self.endpoint) == has(oldSelf.endpoint) && (!has(self.endpoint) || self.endpoint == oldSelf.endpoint) && has(self.region) == has(oldSelf.region) && (!has(self.region) || self.region == oldSelf.region)",message="payloadStore.s3 bucket, prefix, endpoint and region cannot change: the shares' blocks in the old location would become unreachable; move the data to a new DittoFS instead (see docs/data-safety.md)"
type S3BlockStoreSpec struct {
	// +kubebuilder:validation:MinLength=1
	Bucket string `json:"bucket"`
	// +optional
	Region string `json:"region,omitempty"`
	// Endpoint for S3-compatible services other than AWS: a host[:port] (https is assumed) or an
	// http:// or https:// URL.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="!self.contains('://') || self.startsWith('http://') || self.startsWith('https://')",message="payloadStore.s3.endpoint must be a host such as minio.example:9000 or an http:// or https:// URL"
	// +optional
	Endpoint string `json:"endpoint,omitempty"`
	// +optional
	Prefix string `json:"prefix,omitempty"`
	// +optional
	ForcePathStyle bool `json:"forcePathStyle,omitempty"`
	// AllowPrivateEndpoint lets endpoint be a private, loopback or link-local address, such as
	// an in-cluster MinIO or Ceph RGW; the server refuses those otherwise (a guard against
	// reaching internal services through a user-supplied address).
	// +optional
	AllowPrivateEndpoint bool `json:"allowPrivateEndpoint,omitempty"`
	// CredentialsSecretRef names a Secret with the keys accessKeyID and secretAccessKey.
	// +kubebuilder:validation:XValidation:rule="has(self.name) && size(self.name) <= 253 && self.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="payloadStore.s3.credentialsSecretRef.name must name a Secret in this namespace with the keys accessKeyID and secretAccessKey"
	CredentialsSecretRef corev1.LocalObjectReference `json:"credentialsSecretRef"`
}
