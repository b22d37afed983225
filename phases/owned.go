package phases

import (
	"context"
	"errors"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/kube"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// ensureOwned makes obj, controlled by the DittoFS, match what the operator built: created when
// missing, put back when edited by hand. A same-named object the DittoFS does not control is left
// alone and reported as NameConflict. It returns the object as the API server has it (see
// kube.Ensure), so a step reads what it just wrote from there, never from a cache that may lag.
func ensureOwned[T client.Object](ctx context.Context, s *Scope, obj T, preserve kube.Preserve) (T, error) {
	d := s.DittoFS
	if err := controllerutil.SetControllerReference(d, obj, s.Scheme); err != nil {
		return obj, err
	}
	live, err := kube.Ensure(ctx, s.Client, s.APIReader, d.UID, obj, preserve)
	var notOwned *kube.NotOwnedError
	if errors.As(err, &notOwned) {
		return live, nameConflict(notOwned)
	}
	return live, err
}

// requireOurs reports a live object without this DittoFS's labels (claims and generated Secrets
// carry labels, not owner references, so the garbage collector never takes them) as NameConflict.
func requireOurs(d *v1alpha1.DittoFS, live client.Object, kind string) error {
	labels := live.GetLabels()
	if labels[specs.InstanceLabel] == d.Name && labels[specs.ManagedByLabel] == specs.ManagedBy {
		return nil
	}
	return nameConflict(&kube.NotOwnedError{Kind: kind, Name: live.GetName()})
}

func nameConflict(e *kube.NotOwnedError) error {
	return Block(v1alpha1.ReasonNameConflict,
		"%s. Rename or remove that object, or give this DittoFS another name (a DittoFS named <name> uses <name>, <name>-api, <name>-config, <name>-admin, <name>-jwt, <name>-api-tls with cert-manager, and the <name>-<volume> claims).",
		e.Error())
}
