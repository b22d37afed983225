package phases

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// +kubebuilder:rbac:groups="",resources=persistentvolumeclaims,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=storage.k8s.io,resources=storageclasses,verbs=get;list;watch

// defaultClassAnnotation marks the cluster's default StorageClass.
const defaultClassAnnotation = "storageclass.kubernetes.io/is-default-class"

// Storage checks the StorageClass, creates the server's volume claims, grows them when the spec
// asks for more, and is done when every claim is bound (or will bind when the pod is scheduled).
type Storage struct{}

func (Storage) Condition() string { return v1alpha1.ConditionStorageReady }
func (Storage) Event() string     { return EventStorage }

func (Storage) Reconcile(ctx context.Context, s *Scope) (Outcome, error) {
	d := s.DittoFS
	class, out, err := storageClass(ctx, s.Client, d.Spec.Storage.StorageClassName)
	if err != nil || class == nil {
		return out, err
	}
	var waiting []string
	for _, v := range specs.Volumes(d) {
		claim, err := ensureClaim(ctx, s.Client, specs.Claim(d, v))
		if err != nil {
			return Outcome{}, err
		}
		if o, blocked := checkSize(claim, v, class); blocked {
			return o, nil
		}
		if err := expandClaim(ctx, s.Client, claim, v.Size); err != nil {
			return Outcome{}, err
		}
		switch claim.Status.Phase {
		case corev1.ClaimBound:
		case corev1.ClaimLost:
			return Waiting("VolumeLost", fmt.Sprintf("PersistentVolumeClaim %s lost its volume; restore the PersistentVolume it was bound to.", claim.Name)), nil
		default:
			if !waitsForConsumer(class) {
				waiting = append(waiting, claim.Name)
			}
		}
	}
	if len(waiting) > 0 {
		return Waiting("WaitingForVolumes", fmt.Sprintf("Waiting for PersistentVolumeClaims to bind: %s (storage class %s).",
			strings.Join(waiting, ", "), class.Name)), nil
	}
	if waitsForConsumer(class) {
		return Done("VolumesReady", fmt.Sprintf("Volumes created; storage class %s binds them when the server pod is scheduled.", class.Name)), nil
	}
	return Done("VolumesBound", fmt.Sprintf("All volumes are bound (storage class %s).", class.Name)), nil
}

// storageClass finds the class the claims will use: the named one, or the cluster default.
func storageClass(ctx context.Context, c client.Client, name *string) (*storagev1.StorageClass, Outcome, error) {
	var classes storagev1.StorageClassList
	if err := c.List(ctx, &classes); err != nil {
		return nil, Outcome{}, fmt.Errorf("list storage classes: %w", err)
	}
	var names []string
	for i := range classes.Items {
		sc := &classes.Items[i]
		names = append(names, sc.Name)
		if name != nil && sc.Name == *name {
			return sc, Outcome{}, nil
		}
		if name == nil && sc.Annotations[defaultClassAnnotation] == "true" {
			return sc, Outcome{}, nil
		}
	}
	sort.Strings(names)
	available := strings.Join(names, ", ")
	if available == "" {
		available = "none"
	}
	if name != nil {
		return nil, Waiting("StorageClassNotFound", fmt.Sprintf(
			"Storage class %q does not exist; set spec.storage.storageClassName to one that does (available: %s).", *name, available)), nil
	}
	return nil, Waiting("NoDefaultStorageClass", fmt.Sprintf(
		"The cluster has no default storage class; set spec.storage.storageClassName (available: %s).", available)), nil
}

// ensureClaim creates a missing claim and returns the live one. Claims are created once; only
// their size changes afterwards (see checkSize), since the rest of a claim's spec is immutable.
func ensureClaim(ctx context.Context, c client.Client, desired *corev1.PersistentVolumeClaim) (*corev1.PersistentVolumeClaim, error) {
	live := &corev1.PersistentVolumeClaim{}
	err := c.Get(ctx, client.ObjectKeyFromObject(desired), live)
	if apierrors.IsNotFound(err) {
		if err := c.Create(ctx, desired); err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("create PersistentVolumeClaim %s: %w", desired.Name, err)
		}
		return desired, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get PersistentVolumeClaim %s: %w", desired.Name, err)
	}
	return live, nil
}

// expandClaim grows a claim to the size the spec asks for; the storage driver does the rest.
func expandClaim(ctx context.Context, c client.Client, claim *corev1.PersistentVolumeClaim, want resource.Quantity) error {
	if want.Cmp(claim.Spec.Resources.Requests[corev1.ResourceStorage]) <= 0 {
		return nil
	}
	patch := client.MergeFrom(claim.DeepCopy())
	claim.Spec.Resources.Requests[corev1.ResourceStorage] = want
	if err := c.Patch(ctx, claim, patch); err != nil {
		return fmt.Errorf("expand PersistentVolumeClaim %s to %s: %w", claim.Name, want.String(), err)
	}
	return nil
}

// checkSize reports a claim that cannot have the size the spec asks for. A live claim larger than
// the spec (one kept from an earlier DittoFS) is fine: nothing is ever shrunk.
func checkSize(claim *corev1.PersistentVolumeClaim, v specs.Volume, class *storagev1.StorageClass) (Outcome, bool) {
	have := claim.Spec.Resources.Requests[corev1.ResourceStorage]
	if v.Size.Cmp(have) > 0 && (class.AllowVolumeExpansion == nil || !*class.AllowVolumeExpansion) {
		return Waiting("VolumeExpansionNotSupported", fmt.Sprintf(
			"Volume %s is %s and the spec asks for %s, but storage class %s does not allow expansion; set the size back to %s or use a class with allowVolumeExpansion.",
			claim.Name, have.String(), v.Size.String(), class.Name, have.String())), true
	}
	return Outcome{}, false
}

func waitsForConsumer(class *storagev1.StorageClass) bool {
	return class.VolumeBindingMode != nil && *class.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer
}
