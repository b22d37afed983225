package specs

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// Volume is one persistent volume of the server: its role, where it is mounted and its size.
type Volume struct {
	Role      string
	MountPath string
	Size      resource.Quantity
}

// Volumes lists the server's persistent volumes. The control-plane volume holds the SQLite file
// and is left out when the control plane lives in PostgreSQL.
func Volumes(d *v1alpha1.DittoFS) []Volume {
	var vols []Volume
	if d.Spec.Database.Type != v1alpha1.DatabasePostgres {
		vols = append(vols, Volume{Role: VolumeControlPlane, MountPath: ControlPlaneDir, Size: d.Spec.Storage.ControlPlane.Size})
	}
	return append(vols,
		Volume{Role: VolumeMetadata, MountPath: MetadataDir, Size: d.Spec.Storage.Metadata.Size},
		Volume{Role: VolumePayload, MountPath: PayloadDir, Size: d.Spec.Storage.Payload.Size},
	)
}

// Claim is the PersistentVolumeClaim of one volume. The operator creates claims itself rather
// than through StatefulSet claim templates: templates are immutable (no expansion) and a claim
// that exists before the pod lets StorageReady be observed before anything runs. Claims carry no
// owner reference, so the garbage collector can never take data: only the deletion policy can.
// The UID of the DittoFS it was created for tells a later DittoFS of the same name that the
// claim is older than itself (see CreatedForAnnotation).
func Claim(d *v1alpha1.DittoFS, v Volume) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{
			Name: ClaimName(d, v.Role), Namespace: d.Namespace, Labels: Labels(d),
			Annotations: map[string]string{CreatedForAnnotation: string(d.UID)},
		},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: d.Spec.Storage.StorageClassName,
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: v.Size},
			},
		},
	}
}
