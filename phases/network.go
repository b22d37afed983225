package phases

import (
	"context"
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/internal/specs"
)

// +kubebuilder:rbac:groups=networking.k8s.io,resources=networkpolicies,verbs=get;list;watch;create;update;delete

// ensureNetworkPolicy puts the server pod's NetworkPolicy in place, or removes the one the
// operator rendered when spec.network.policy is false. It runs before the StatefulSet, so that
// a new server pod is never reachable beyond what the spec allows.
func ensureNetworkPolicy(ctx context.Context, s *Scope) error {
	d := s.DittoFS
	desired := specs.NetworkPolicy(d, s.OperatorNamespace)
	if d.Spec.Network.PolicyEnabled() {
		_, err := ensureOwned(ctx, s, desired, nil)
		return err
	}
	live := &networkingv1.NetworkPolicy{}
	err := s.Client.Get(ctx, client.ObjectKeyFromObject(desired), live)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get NetworkPolicy %s: %w", desired.Name, err)
	}
	if !metav1.IsControlledBy(live, d) {
		return nil // not ours: never deleted
	}
	if err := s.Client.Delete(ctx, live, client.Preconditions{UID: &live.UID}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete NetworkPolicy %s: %w", live.Name, err)
	}
	return nil
}
