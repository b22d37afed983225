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

// +kubebuilder:rbac:groups="",resources=persistentvolumeclaims,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=storage.k8s.io,resources=storageclasses,verbs=list;watch

// defaultClassAnnotation marks the cluster's default StorageClass.
const defaultClassAnnotation = "storageclass.kubernetes.io/is-default-class"

// Storage checks the StorageClass, creates the server's volume claims, grows them when the spec
// asks for more, and is done when every claim is bound (or will bind when the pod is scheduled).
// A claim is created only while no server can have stored data on it (see history), or when the
// user accepts an empty volume in its place (v1alpha1.AnnotationRecreateEmptyClaims); otherwise
// a missing claim is VolumeLost and the server is not started on a new, empty one.
type Storage struct{}

// Condition is the condition type this step sets.
func (Storage) Condition() string { return v1alpha1.ConditionStorageReady }

// Phase is the phase reached when this step is done.
func (Storage) Phase() v1alpha1.Phase { return v1alpha1.PhaseStorageReady }

// Reconcile converges what the step owns; see Step.
func (Storage) Reconcile(ctx context.Context, s *Scope) (Outcome, error) {
	d := s.DittoFS
	class, err := storageClass(ctx, s.Client, d.Spec.Storage.StorageClassName)
	if err != nil {
		return Outcome{}, err
	}
	h := &history{s: s}
	var waiting, lost, lostNames []string
	present := map[string]bool{}
	for _, v := range specs.Volumes(d) {
		claim, state, err := ensureClaim(ctx, s, h, specs.Claim(d, v))
		if err != nil {
			return Outcome{}, err
		}
		switch state {
		case claimLost:
			lostNames = append(lostNames, specs.ClaimName(d, v.Role))
			lost = append(lost, lostClaim(claim, specs.ClaimName(d, v.Role)))
			continue
		case claimReplacing:
			waiting = append(waiting, claim.Name+" (being deleted; a new one follows)")
			continue
		case claimSeen:
			present[claim.Name] = true
		}
		if err := checkSize(claim, v, class); err != nil {
			return Outcome{}, err
		}
		if err := expandClaim(ctx, s.Client, claim, v.Size); err != nil {
			return Outcome{}, err
		}
		switch claim.Status.Phase {
		case corev1.ClaimBound:
		case corev1.ClaimLost:
			return Outcome{}, Block(v1alpha1.ReasonVolumeLost, "PersistentVolumeClaim %s lost its volume; restore the PersistentVolume it was bound to.", claim.Name)
		default:
			if !waitsForConsumer(class) {
				waiting = append(waiting, claim.Name)
			}
		}
	}
	if err := forgetAcceptedEmpty(ctx, s, present); err != nil {
		return Outcome{}, err
	}
	if len(lost) > 0 {
		return Outcome{}, volumeLost(d, lostNames, lost, h.why)
	}
	if len(waiting) > 0 {
		return Outcome{}, Block(v1alpha1.ReasonWaitingForVolumes, "Waiting for PersistentVolumeClaims to bind: %s (storage class %s).",
			strings.Join(waiting, ", "), class.Name)
	}
	if waitsForConsumer(class) {
		return Done(v1alpha1.ReasonVolumesReady, fmt.Sprintf("Volumes created; storage class %s binds them when the server pod is scheduled.", class.Name)), nil
	}
	return Done(v1alpha1.ReasonVolumesBound, fmt.Sprintf("All volumes are bound (storage class %s).", class.Name)), nil
}

// storageClass finds the class the claims will use: the named one, or the cluster default.
func storageClass(ctx context.Context, c client.Client, name *string) (*storagev1.StorageClass, error) {
	var classes storagev1.StorageClassList
	if err := c.List(ctx, &classes); err != nil {
		return nil, fmt.Errorf("list storage classes: %w", err)
	}
	var names []string
	for i := range classes.Items {
		sc := &classes.Items[i]
		names = append(names, sc.Name)
		if name != nil && sc.Name == *name {
			return sc, nil
		}
		if name == nil && sc.Annotations[defaultClassAnnotation] == "true" {
			return sc, nil
		}
	}
	sort.Strings(names)
	available := strings.Join(names, ", ")
	if available == "" {
		available = "none"
	}
	if name != nil {
		return nil, Block(v1alpha1.ReasonStorageClassNotFound,
			"Storage class %q does not exist; set spec.storage.storageClassName to one that does (available: %s).", *name, available)
	}
	return nil, Block(v1alpha1.ReasonNoDefaultStorageClass,
		"The cluster has no default storage class; set spec.storage.storageClassName (available: %s).", available)
}

// claimState is what one pass may do with one claim.
type claimState int

const (
	claimSeen      claimState = iota // it exists and is not being deleted
	claimCreated                     // it was missing and has just been created
	claimReplacing                   // it is being deleted; a new one is created once it is gone
	claimLost                        // it is missing or being deleted, and may not be replaced
)

// ensureClaim creates a missing claim, when it may, and returns the live one. Claims are created
// once; only their size changes afterwards (see checkSize), since the rest of a claim's spec is
// immutable. A same-named claim without this DittoFS's labels is never adopted.
func ensureClaim(ctx context.Context, s *Scope, h *history, desired *corev1.PersistentVolumeClaim) (*corev1.PersistentVolumeClaim, claimState, error) {
	live := &corev1.PersistentVolumeClaim{}
	err := s.Client.Get(ctx, client.ObjectKeyFromObject(desired), live)
	switch {
	case apierrors.IsNotFound(err):
		if ok, err := mayCreateEmpty(ctx, s, h, desired.Name); err != nil || !ok {
			return nil, claimLost, err
		}
		err := s.Client.Create(ctx, desired)
		if err == nil {
			return desired, claimCreated, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return nil, 0, fmt.Errorf("create PersistentVolumeClaim %s: %w", desired.Name, err)
		}
		// Taken, but not in the cache: made a moment ago, or without the operator's labels
		// (which the cache never holds). The API server says which.
		if err := s.APIReader.Get(ctx, client.ObjectKeyFromObject(desired), live); err != nil {
			return nil, 0, fmt.Errorf("get PersistentVolumeClaim %s: %w", desired.Name, err)
		}
	case err != nil:
		return nil, 0, fmt.Errorf("get PersistentVolumeClaim %s: %w", desired.Name, err)
	}
	if err := requireOurs(s.DittoFS, live, "PersistentVolumeClaim"); err != nil {
		return nil, 0, err
	}
	if live.DeletionTimestamp == nil {
		return live, claimSeen, nil
	}
	if ok, err := mayCreateEmpty(ctx, s, h, live.Name); err != nil || !ok {
		return live, claimLost, err
	}
	return live, claimReplacing, nil
}

// mayCreateEmpty says whether an empty claim may take the place of a missing one.
func mayCreateEmpty(ctx context.Context, s *Scope, h *history, name string) (bool, error) {
	if acceptsEmpty(s.DittoFS, name) {
		return true, nil
	}
	why, err := h.earlierServer(ctx)
	return why == "", err
}

// lostClaim describes a claim that is gone (live is nil) or being deleted.
func lostClaim(live *corev1.PersistentVolumeClaim, name string) string {
	if live == nil {
		return name + " is gone"
	}
	volume := ""
	if live.Spec.VolumeName != "" {
		volume = ", volume " + live.Spec.VolumeName
	}
	return fmt.Sprintf("%s is being deleted (it goes once no pod uses it%s; until then its data can still be copied off)", name, volume)
}

// volumeLost is the VolumeLost block for claims a server may have stored data on (names, and
// what became of each): how to bring the data back, and how to say that an empty volume is
// acceptable.
func volumeLost(d *v1alpha1.DittoFS, names, lost []string, why string) error {
	return Block(v1alpha1.ReasonVolumeLost,
		"PersistentVolumeClaim %s, but a server may have stored data on it (%s), so the operator does not start the server on a new, empty volume. "+
			"To restore: create the claim again under the same name with the labels %s=%s and %s=%s, bound to its old PersistentVolume "+
			"(spec.volumeName; clear the volume's spec.claimRef if it is Released) or restored from a backup. "+
			"To start with an empty volume instead, losing what it held: kubectl annotate dittofs %s %s=%s",
		strings.Join(lost, "; "), why, specs.InstanceLabel, d.Name, specs.ManagedByLabel, specs.ManagedBy,
		d.Name, v1alpha1.AnnotationRecreateEmptyClaims, strings.Join(names, ","))
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
func checkSize(claim *corev1.PersistentVolumeClaim, v specs.Volume, class *storagev1.StorageClass) error {
	have := claim.Spec.Resources.Requests[corev1.ResourceStorage]
	if v.Size.Cmp(have) > 0 && (class.AllowVolumeExpansion == nil || !*class.AllowVolumeExpansion) {
		return Block(v1alpha1.ReasonVolumeExpansionNotSupported,
			"Volume %s is %s and the spec asks for %s, but storage class %s does not allow expansion; set the size back to %s or use a class with allowVolumeExpansion.",
			claim.Name, have.String(), v.Size.String(), class.Name, have.String())
	}
	return nil
}

func waitsForConsumer(class *storagev1.StorageClass) bool {
	return class.VolumeBindingMode != nil && *class.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer
}
