package specs

import "github.com/dittofs/dittofs-operator/apis/v1alpha1"

// Names of the objects the operator creates for one DittoFS. One place, so that the steps, the
// deletion code and the tests agree.

// StatefulSetName is the server StatefulSet.
func StatefulSetName(d *v1alpha1.DittoFS) string { return d.Name }

// PodName is the server pod.
func PodName(d *v1alpha1.DittoFS) string { return d.Name + "-0" }

// DataServiceName is the data-plane Service (NFS, SMB).
func DataServiceName(d *v1alpha1.DittoFS) string { return d.Name }

// APIServiceName is the REST API Service.
func APIServiceName(d *v1alpha1.DittoFS) string { return d.Name + "-api" }

// ConfigMapName holds config.yaml.
func ConfigMapName(d *v1alpha1.DittoFS) string { return d.Name + "-config" }

// JWTSecretName holds the JWT signing secret.
func JWTSecretName(d *v1alpha1.DittoFS) string { return d.Name + "-jwt" }

// AdminSecretName holds the admin user and password.
func AdminSecretName(d *v1alpha1.DittoFS) string { return d.Name + "-admin" }

// Volume roles, each backed by one PersistentVolumeClaim named <dittofs>-<role>.
const (
	VolumeControlPlane = "controlplane"
	VolumeMetadata     = "metadata"
	VolumePayload      = "payload"
)

// VolumeRoles are every volume role, whether or not the current spec uses it.
var VolumeRoles = []string{VolumeControlPlane, VolumeMetadata, VolumePayload}

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
	// CreatedForAnnotation on a claim is the UID of the DittoFS that created it. A claim without
	// it, or with another UID, was kept from an earlier DittoFS of the same name or restored by
	// hand: a server may have stored data on it.
	CreatedForAnnotation = "dittofs.io/created-for"
	// ManagerUIDAnnotation on a data-bearing object (a created PerconaPGCluster) is the UID of the
	// DittoFS that manages it, in place of an owner reference, which the garbage collector would
	// act on. It tells this DittoFS apart from an earlier one of the same name: the labels say
	// "made for a DittoFS of this name" (enough to adopt), the UID says "this one" (needed to
	// delete).
	ManagerUIDAnnotation = "dittofs.io/manager-uid"
)

// Labels are the labels of every object of one DittoFS.
func Labels(d *v1alpha1.DittoFS) map[string]string {
	return map[string]string{
		NameLabel:      "dittofs",
		InstanceLabel:  d.Name,
		ManagedByLabel: ManagedBy,
	}
}

// LabelledFor reports whether an object carries the labels the operator puts on what it makes
// for the DittoFS: its own objects that have no owner reference are recognised by them, so a
// same-named object made by hand or by another DittoFS is never taken.
func LabelledFor(d *v1alpha1.DittoFS, labels map[string]string) bool {
	return labels[InstanceLabel] == d.Name && labels[ManagedByLabel] == ManagedBy
}

// SelectorLabels select the server pod. They never change, because a StatefulSet's selector is immutable.
func SelectorLabels(d *v1alpha1.DittoFS) map[string]string {
	return map[string]string{
		NameLabel:      "dittofs",
		InstanceLabel:  d.Name,
		ComponentLabel: "server",
	}
}
