package phases

import (
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// Scope is everything one reconcile of one DittoFS carries from step to step.
type Scope struct {
	// Client reads through the manager's cache and writes to the API server.
	Client client.Client
	// Scheme sets owner references.
	Scheme *runtime.Scheme
	Log    logr.Logger
	// Now is the clock, replaceable in tests.
	Now func() time.Time
	// DefaultImage is the server image for a DittoFS without spec.image (the manager's
	// --default-dittofs-image); empty means v1alpha1.DefaultImage.
	DefaultImage string

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
}
