package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of the DittoFS kind.
	GroupVersion = schema.GroupVersion{Group: "dittofs.io", Version: "v1alpha1"}

	// SchemeBuilder registers the DittoFS types with a runtime scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the DittoFS types to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func init() {
	SchemeBuilder.Register(&DittoFS{}, &DittoFSList{})
}
