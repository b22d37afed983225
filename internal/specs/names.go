package specs

import "github.com/dittofs/dittofs-operator/apis/v1alpha1"

// Names of the objects the operator creates for one DittoFS. One place, so that the steps, the
// deletion code and the tests agree.

func StatefulSetName(d *v1alpha1.DittoFS) string { return d.Name }
func PodName(d *v1alpha1.DittoFS) string         { return d.Name + "-0" }
func DataServiceName(d *v1alpha1.DittoFS) string { return d.Name }
func APIServiceName(d *v1alpha1.DittoFS) string  { return d.Name + "-api" }
func ConfigMapName(d *v1alpha1.DittoFS) string   { return d.Name + "-config" }
func JWTSecretName(d *v1alpha1.DittoFS) string   { return d.Name + "-jwt" }
func AdminSecretName(d *v1alpha1.DittoFS) string { return d.Name + "-admin" }

// Volume roles, each backed by one PersistentVolumeClaim named <dittofs>-<role>.
const (
	VolumeControlPlane = "controlplane"
	VolumeMetadata     = "metadata"
	VolumePayload      = "payload"
)

// ClaimName is the PersistentVolumeClaim of one volume role.
func ClaimName(d *v1alpha1.DittoFS, role string) string { return d.Name + "-" + role }

// Label keys. InstanceLabel maps every object back to its DittoFS for watches.
const (
	NameLabel      = "app.kubernetes.io/name"
	InstanceLabel  = "app.kubernetes.io/instance"
	ManagedByLabel = "app.kubernetes.io/managed-by"
	ComponentLabel = "app.kubernetes.io/component"
	ManagedBy      = "dittofs-operator"
)

// Annotations the operator reads back.
const (
	// ConfigHashAnnotation on the pod template rolls the pod when anything it consumes changes.
	ConfigHashAnnotation = "dittofs.io/config-hash"
)

// Labels are the labels of every object of one DittoFS.
func Labels(d *v1alpha1.DittoFS) map[string]string {
	return map[string]string{
		NameLabel:      "dittofs",
		InstanceLabel:  d.Name,
		ManagedByLabel: ManagedBy,
	}
}

// SelectorLabels select the server pod. They never change, because a StatefulSet's selector is immutable.
func SelectorLabels(d *v1alpha1.DittoFS) map[string]string {
	return map[string]string{
		NameLabel:      "dittofs",
		InstanceLabel:  d.Name,
		ComponentLabel: "server",
	}
}
