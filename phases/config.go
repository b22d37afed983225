package phases

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// Every type is read from the manager's cache (list and watch) except Secrets, which are read from
// the API server (see controllers.clientOptions), and a kind the operator creates, which is read
// from the API server (get) only when a create finds its name taken by an object the cache does
// not hold (see kube.Ensure). controllers/rbac_test.go checks each verb of the markers against a
// full lifecycle.
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch;create;update
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;delete

// Config renders the server's config.yaml into a ConfigMap, generates the JWT and admin Secrets
// once (before any pod can start), and hashes everything the pod consumes.
type Config struct{}

// Condition is the condition type this step sets.
func (Config) Condition() string { return v1alpha1.ConditionConfigReady }

// Phase is the phase reached when this step is done.
func (Config) Phase() v1alpha1.Phase { return v1alpha1.PhaseConfigReady }

// Reconcile converges what the step owns; see Step.
func (Config) Reconcile(ctx context.Context, s *Scope) (Outcome, error) {
	d := s.DittoFS
	// A new JWT secret only invalidates sessions, so it may be generated at any time.
	jwt, err := ensureGeneratedSecret(ctx, s.Client, d, specs.JWTSecret, specs.JWTSecretKey, nil)
	if err != nil {
		return Outcome{}, err
	}
	if n := len(jwt.Data[specs.JWTSecretKey]); n < specs.MinJWTSecretLength {
		return Outcome{}, Block(v1alpha1.ReasonSecretInvalid, "Secret %s key %q holds %d characters; the server needs at least %d. Put a longer value there.",
			jwt.Name, specs.JWTSecretKey, n, specs.MinJWTSecretLength)
	}
	// A new admin password would not match an admin user a server has already created, in the
	// database on the volumes or in PostgreSQL. That is told from the world, not from status
	// (see history): a DittoFS recreated over kept volumes has no servedAt.
	h := &history{s: s}
	admin, err := ensureGeneratedSecret(ctx, s.Client, d, specs.AdminSecret, specs.AdminPasswordKey, h.earlierServer)
	if err != nil {
		return Outcome{}, err
	}

	// Before the ConfigMap: a server must not start on a TLS configuration whose files are not there.
	ca, err := apiTLS(ctx, s)
	if err != nil {
		return Outcome{}, err
	}
	s.APICA = ca

	configYAML, err := specs.ServerConfigYAML(d)
	if err != nil {
		return Outcome{}, err
	}
	cm := specs.ConfigMap(d, configYAML)
	if _, err := ensureOwned(ctx, s, cm, nil); err != nil {
		return Outcome{}, err
	}

	// The TLS Secret is not in the hash: the server reloads a renewed certificate by itself, so
	// a rotation must not restart it (only turning TLS on or off, in configYAML, does).
	s.ConfigHash = specs.ConfigHash(configYAML, jwt.Data, admin.Data, s.DatabaseSecretData)
	d.Status.ConfigHash = s.ConfigHash
	msg := fmt.Sprintf("ConfigMap %s and Secrets %s, %s are in place.", cm.Name, jwt.Name, admin.Name)
	if ca != nil {
		msg += fmt.Sprintf(" The REST API serves HTTPS with the certificate of Secret %s.", specs.TLSSecretName(d))
	}
	return Done(v1alpha1.ReasonConfigRendered, msg), nil
}

// ensureGeneratedSecret creates a generated Secret when it is missing and otherwise leaves it
// exactly as it is: the admin password is only read by the server when it first creates the
// admin user, so a new value would lock the operator out. keep, asked only when the Secret is
// missing, says why it may not be created anew ("" when it may; nil means always may). It
// returns a *Blocked error when the Secret cannot be used: missing when it may not be created,
// or without its key.
func ensureGeneratedSecret(ctx context.Context, c client.Client, d *v1alpha1.DittoFS,
	build func(*v1alpha1.DittoFS) (*corev1.Secret, error), key string, keep func(context.Context) (string, error)) (*corev1.Secret, error) {
	desired, err := build(d)
	if err != nil {
		return nil, err
	}
	live := &corev1.Secret{}
	err = c.Get(ctx, client.ObjectKeyFromObject(desired), live)
	if apierrors.IsNotFound(err) && keep != nil {
		why, err := keep(ctx)
		if err != nil {
			return nil, err
		}
		if why != "" {
			return nil, Block(v1alpha1.ReasonSecretLost,
				"Secret %s is gone but a server may already have started with it (%s); restore it from a backup. A new one would not match the server's admin user.",
				desired.Name, why)
		}
	}
	switch {
	case apierrors.IsNotFound(err):
		if err := c.Create(ctx, desired); err != nil {
			if apierrors.IsAlreadyExists(err) {
				// The cache has not seen it yet; never overwrite. The watch brings us back.
				return nil, Block(v1alpha1.ReasonWaitingForSecret, "Secret %s was just created; waiting to observe it.", desired.Name)
			}
			return nil, fmt.Errorf("create Secret %s: %w", desired.Name, err)
		}
		return desired, nil
	case err != nil:
		return nil, fmt.Errorf("get Secret %s: %w", desired.Name, err)
	}
	if err := requireOurs(d, live, "Secret"); err != nil {
		return nil, err
	}
	if len(live.Data[key]) == 0 {
		return nil, Block(v1alpha1.ReasonSecretInvalid,
			"Secret %s has no key %q. The operator never regenerates it (the server would reject the new value); restore the key, or delete the Secret only if this DittoFS has never started.",
			live.Name, key)
	}
	return live, nil
}
