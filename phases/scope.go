package phases

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// Scope is everything one reconcile of one DittoFS carries from step to step.
type Scope struct {
	// Client reads through the manager's cache and writes to the API server.
	Client client.Client
	// APIReader reads from the API server itself: only for an object a create finds taken but the
	// cache does not hold (the cache holds the operator's labelled objects only, and lags).
	APIReader client.Reader
	// Scheme sets owner references.
	Scheme *runtime.Scheme
	// Now is the clock, replaceable in tests.
	Now func() time.Time
	// DefaultImage is the server image for a DittoFS without spec.image (the manager's
	// --default-dittofs-image); empty means v1alpha1.DefaultImage.
	DefaultImage string
	// OperatorNamespace is where the operator runs; the NetworkPolicy admits the API from there.
	OperatorNamespace string
	// CertManager says cert-manager's Certificate CRD was installed when the operator started.
	CertManager bool

	// DittoFS is the object being reconciled. Steps write their observations into its status;
	// the controller patches the status once, after all steps.
	DittoFS *v1alpha1.DittoFS

	// Facts observed by earlier steps for later ones.

	// DatabaseEnv connects the server to its database; set by the database step.
	DatabaseEnv []corev1.EnvVar
	// DatabaseSecretData is the content of the database Secret, hashed into the pod template.
	DatabaseSecretData map[string][]byte
	// ConfigHash of everything the pod consumes; set by the config step.
	ConfigHash string
	// APICA is the CA (PEM) the REST API's certificate is verified with, nil without TLS; set
	// by the config step from the TLS Secret.
	APICA []byte
	// ServerStarted is set by the serving step when the server container runs and has passed its
	// startup probe (its REST API answers), ready or not; the sub-phases can then configure it.
	ServerStarted bool
	// ServerInstance identifies the running server process (pod UID, container start, restart
	// count), "" when none runs; set by the serving step. A sub-phase that finds it unchanged,
	// with the same spec, need not ask the server again before its resync (server.Converged).
	ServerInstance string
}
