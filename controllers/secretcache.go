package controllers

import (
	"k8s.io/apimachinery/pkg/api/meta"
	toolscache "k8s.io/client-go/tools/cache"
)

// stripSecretMetadata is the cache transform of Secrets. The Secret watch caches metadata only
// (see clientOptions), but metadata can hold the data too: `kubectl apply` copies the whole
// object, data included, into the kubectl.kubernetes.io/last-applied-configuration annotation,
// and managed fields name every key. The operator maps a Secret to its consumers by namespace and
// name alone, so the cache keeps no annotations and no managed fields at all.
func stripSecretMetadata(obj any) (any, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		// Not an object (a tombstone of a deletion the informer missed): nothing cached to strip.
		return obj, nil
	}
	m.SetAnnotations(nil)
	m.SetManagedFields(nil)
	return obj, nil
}

var _ toolscache.TransformFunc = stripSecretMetadata
