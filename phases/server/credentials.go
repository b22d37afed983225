package server

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
	"github.com/dittofs/dittofs-operator/phases"
)

// AdminCredentials reads the user name (default admin) and password from the admin Secret. A
// missing Secret or password is a *phases.Blocked error, not a failure.
func AdminCredentials(ctx context.Context, c client.Reader, d *v1alpha1.DittoFS) (user, password string, err error) {
	name := specs.AdminSecretName(d)
	sec := &corev1.Secret{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: name}, sec); err != nil {
		if apierrors.IsNotFound(err) {
			return "", "", phases.Block(v1alpha1.ReasonAdminSecretMissing, "Secret %s with the admin password does not exist.", name)
		}
		return "", "", fmt.Errorf("get Secret %s: %w", name, err)
	}
	password = string(sec.Data[specs.AdminPasswordKey])
	if password == "" {
		return "", "", phases.Block(v1alpha1.ReasonAdminSecretMissing, "Secret %s has no %q key.", name, specs.AdminPasswordKey)
	}
	user = string(sec.Data[specs.AdminUsernameKey])
	if user == "" {
		user = specs.AdminUsername
	}
	return user, password, nil
}
