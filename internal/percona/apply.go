package percona

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	pgv2 "github.com/percona/percona-postgresql-operator/v2/pkg/apis/pgv2.percona.com/v2"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/kube"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// FieldOwner is the server-side-apply manager of the fields the DittoFS operator controls.
const FieldOwner = "dittofs-operator"

// Clusters reads and writes PerconaPGClusters for DittoFS objects. Build it only when Installed
// says the CRD is there.
type Clusters struct {
	// Client reads through the manager's cache (which then watches PerconaPGClusters).
	Client client.Client
}

// Ensure makes the cluster of a DittoFS with percona.create carry what the DittoFS spec asks for
// and returns what it observes. It reports a reason, and changes nothing, when a cluster of that
// name exists that was not made for this DittoFS. The cluster carries labels and the DittoFS's
// UID, never an owner reference (see owner.go); one left by an older operator version loses it.
//
// Updates never fight: they are server-side applies of only the fields Desired sets, under
// FieldOwner, so whatever the Percona operator or a user sets elsewhere in the spec survives
// (Percona's instances and users are map-lists keyed by name, so that holds inside them too).
// And they happen only when what the DittoFS asks for changes: the hash of the applied fields is
// kept on the cluster, so a converged cluster costs no write.
func (c *Clusters) Ensure(ctx context.Context, d *v1alpha1.DittoFS) (Cluster, string, error) {
	name := specs.CreatedPerconaClusterName(d)
	live := &pgv2.PerconaPGCluster{}
	err := c.Client.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: name}, live)
	found := err == nil
	switch {
	case apierrors.IsNotFound(err):
		live = nil
	case err != nil:
		return Cluster{}, "", fmt.Errorf("get PerconaPGCluster %s: %w", name, err)
	default:
		if why := notOwnedBy(d, live); why != "" {
			return Cluster{}, why, nil
		}
		if err := c.dropOwnerReference(ctx, d, live); err != nil {
			return Cluster{}, "", err
		}
	}
	user := userFor(d, live)
	desired, err := Desired(d, user)
	if err != nil {
		return Cluster{}, "", err
	}
	if found {
		keepLargerVolume(desired, live)
	}
	payload, hash, err := applyPayload(desired)
	if err != nil {
		return Cluster{}, "", err
	}
	if found && live.Annotations[kube.SpecHashAnnotation] == hash {
		return observeCreated(live, user), "", nil
	}
	if err := c.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(payload),
		client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
		return Cluster{}, "", fmt.Errorf("apply PerconaPGCluster %s: %w", desired.Name, err)
	}
	applied := &pgv2.PerconaPGCluster{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(payload.Object, applied); err != nil {
		return Cluster{}, "", fmt.Errorf("read applied PerconaPGCluster %s: %w", desired.Name, err)
	}
	return observeCreated(applied, user), "", nil
}

// keepLargerVolume never asks for a smaller data volume than the live cluster has (someone grew
// it by hand): a volume cannot shrink, and asking would only break the Percona operator.
func keepLargerVolume(desired, live *pgv2.PerconaPGCluster) {
	want := &desired.Spec.InstanceSets[0].DataVolumeClaimSpec.Resources.Requests
	for _, set := range live.Spec.InstanceSets {
		if set.Name != InstanceSetName {
			continue
		}
		if have, ok := set.DataVolumeClaimSpec.Resources.Requests[corev1.ResourceStorage]; ok && have.Cmp((*want)[corev1.ResourceStorage]) > 0 {
			(*want)[corev1.ResourceStorage] = have
		}
	}
}

// applyPayload turns the typed desired cluster into the body of a server-side apply: only the
// fields it sets. A typed struct also serialises zero values of fields without omitempty
// (status, empty lists and objects); applying those would claim fields the operator does not
// control, so they are pruned. Booleans and numbers are kept, set or not (backups.enabled: false
// matters). The hash of the result goes on the cluster as an annotation.
func applyPayload(desired *pgv2.PerconaPGCluster) (*unstructured.Unstructured, string, error) {
	raw, err := json.Marshal(desired)
	if err != nil {
		return nil, "", fmt.Errorf("encode PerconaPGCluster %s: %w", desired.Name, err)
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, "", err
	}
	delete(obj, "status")
	prune(obj)
	canonical, err := json.Marshal(obj) // maps marshal with sorted keys: a stable hash
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(canonical)
	hash := hex.EncodeToString(sum[:])[:16]
	u := &unstructured.Unstructured{Object: obj}
	annotations := u.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[kube.SpecHashAnnotation] = hash
	u.SetAnnotations(annotations)
	return u, hash, nil
}

// prune returns v without nulls, empty strings, empty lists and empty objects, depth first, and
// whether nothing is left of it.
func prune(v any) (any, bool) {
	switch t := v.(type) {
	case nil:
		return nil, true
	case string:
		return t, t == ""
	case map[string]any:
		for k, child := range t {
			if pruned, empty := prune(child); empty {
				delete(t, k)
			} else {
				t[k] = pruned
			}
		}
		return t, len(t) == 0
	case []any:
		var kept []any
		for _, child := range t {
			if pruned, empty := prune(child); !empty {
				kept = append(kept, pruned)
			}
		}
		return kept, len(kept) == 0
	}
	return v, false
}
