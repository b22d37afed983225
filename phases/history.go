package phases

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/internal/specs"
)

// history tells, once per pass, whether a server may already have stored data for this DittoFS:
// what decides whether a missing claim may be created empty and a missing admin Secret
// generated anew. It is asked only when something is missing, so a converged pass reads nothing.
type history struct {
	s       *Scope
	checked bool
	why     string
}

// earlierServer is "" when no server can have started against this DittoFS's data, and
// otherwise says why one may have. status.servedAt alone is not enough: status is lost when a
// DittoFS is recreated or restored from a backup, or wiped by hand, while the volumes and the
// database stay. So the world is asked too: a StatefulSet this DittoFS created (its pod may have
// run), or a claim that this DittoFS did not create (kept from an earlier DittoFS of the same
// name, or restored by hand). A claim being deleted does not count: it holds nothing for long.
func (h *history) earlierServer(ctx context.Context) (string, error) {
	if h.checked {
		return h.why, nil
	}
	why, err := earlierServer(ctx, h.s)
	if err != nil {
		return "", err
	}
	h.checked, h.why = true, why
	return why, nil
}

func earlierServer(ctx context.Context, s *Scope) (string, error) {
	d := s.DittoFS
	if d.Status.ServedAt != nil {
		return fmt.Sprintf("it served at %s", d.Status.ServedAt.UTC().Format(time.RFC3339)), nil
	}
	sts := &appsv1.StatefulSet{}
	err := s.Client.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: specs.StatefulSetName(d)}, sts)
	switch {
	case err == nil && metav1.IsControlledBy(sts, d):
		return fmt.Sprintf("its StatefulSet %s exists, so its server pod may have run", sts.Name), nil
	case err != nil && !apierrors.IsNotFound(err):
		return "", fmt.Errorf("get StatefulSet %s: %w", sts.Name, err)
	}
	for _, role := range specs.VolumeRoles {
		claim := &corev1.PersistentVolumeClaim{}
		name := specs.ClaimName(d, role)
		err := s.Client.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: name}, claim)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("get PersistentVolumeClaim %s: %w", name, err)
		}
		if claim.DeletionTimestamp != nil || requireOurs(d, claim, "PersistentVolumeClaim") != nil {
			continue
		}
		if claim.Annotations[specs.CreatedForAnnotation] != string(d.UID) {
			return fmt.Sprintf("PersistentVolumeClaim %s was not created by this DittoFS: it was kept from an earlier one of the same name, or restored", name), nil
		}
	}
	return "", nil
}
