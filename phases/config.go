package phases

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/kube"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;update;patch;delete

// Config renders the server's config.yaml into a ConfigMap, generates the JWT and admin Secrets
// once (before any pod can start), and hashes everything the pod consumes.
type Config struct{}

func (Config) Condition() string { return v1alpha1.ConditionConfigReady }
func (Config) Event() string     { return EventConfig }

func (Config) Reconcile(ctx context.Context, s *Scope) (Outcome, error) {
	d := s.DittoFS
	// A new JWT secret only invalidates sessions, so it may be generated at any time.
	jwt, out, err := ensureGeneratedSecret(ctx, s.Client, d, specs.JWTSecret, specs.JWTSecretKey, true)
	if err != nil || jwt == nil {
		return out, err
	}
	if n := len(jwt.Data[specs.JWTSecretKey]); n < specs.MinJWTSecretLength {
		return Waiting("SecretInvalid", fmt.Sprintf("Secret %s key %q holds %d characters; the server needs at least %d. Put a longer value there.",
			jwt.Name, specs.JWTSecretKey, n, specs.MinJWTSecretLength)), nil
	}
	// A new admin password after the first boot would not match the server's admin user.
	admin, out, err := ensureGeneratedSecret(ctx, s.Client, d, specs.AdminSecret, specs.AdminPasswordKey, d.Status.ServedAt == nil)
	if err != nil || admin == nil {
		return out, err
	}

	configYAML, err := specs.ServerConfigYAML(d)
	if err != nil {
		return Outcome{}, err
	}
	cm := specs.ConfigMap(d, configYAML)
	if err := controllerutil.SetControllerReference(d, cm, s.Scheme); err != nil {
		return Outcome{}, err
	}
	if _, err := kube.Ensure(ctx, s.Client, cm, nil); err != nil {
		return Outcome{}, err
	}

	s.ConfigHash = specs.ConfigHash(configYAML, jwt.Data, admin.Data, s.DatabaseSecretData)
	d.Status.ConfigHash = s.ConfigHash
	return Done("ConfigRendered", fmt.Sprintf("ConfigMap %s and Secrets %s, %s are in place.",
		cm.Name, jwt.Name, admin.Name)), nil
}

// ensureGeneratedSecret creates a generated Secret when it is missing and otherwise leaves it
// exactly as it is: the admin password is only read by the server when it first creates the
// admin user, so a new value would lock the operator out. It returns nil and an outcome when the
// Secret cannot be used: missing when it may not be created, or without its key.
func ensureGeneratedSecret(ctx context.Context, c client.Client, d *v1alpha1.DittoFS,
	build func(*v1alpha1.DittoFS) (*corev1.Secret, error), key string, mayCreate bool) (*corev1.Secret, Outcome, error) {
	desired, err := build(d)
	if err != nil {
		return nil, Outcome{}, err
	}
	live := &corev1.Secret{}
	err = c.Get(ctx, client.ObjectKeyFromObject(desired), live)
	switch {
	case apierrors.IsNotFound(err) && !mayCreate:
		return nil, Waiting("SecretLost", fmt.Sprintf(
			"Secret %s is gone but the server has already started with it; restore it from a backup. A new one would not match the server's admin user.",
			desired.Name)), nil
	case apierrors.IsNotFound(err):
		if err := c.Create(ctx, desired); err != nil {
			if apierrors.IsAlreadyExists(err) {
				// The cache has not seen it yet; never overwrite. The watch brings us back.
				return nil, Waiting("WaitingForSecret", fmt.Sprintf("Secret %s was just created; waiting to observe it.", desired.Name)), nil
			}
			return nil, Outcome{}, fmt.Errorf("create Secret %s: %w", desired.Name, err)
		}
		return desired, Outcome{}, nil
	case err != nil:
		return nil, Outcome{}, fmt.Errorf("get Secret %s: %w", desired.Name, err)
	}
	if len(live.Data[key]) == 0 {
		return nil, Waiting("SecretInvalid", fmt.Sprintf(
			"Secret %s has no key %q. The operator never regenerates it (the server would reject the new value); restore the key, or delete the Secret only if this DittoFS has never started.",
			live.Name, key)), nil
	}
	return live, Outcome{}, nil
}
