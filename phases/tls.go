package phases

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// The Certificate is read from the API server (the client caches no unstructured objects) and
// watched only when its CRD is installed.
// +kubebuilder:rbac:groups=cert-manager.io,resources=certificates,verbs=get;list;watch;create;update

// apiTLS makes the REST API's certificate available and returns the CA (PEM) the operator
// verifies the server with; nil without TLS. With cert-manager it first makes the operator's
// Certificate exist. The Secret is checked the way the operator's client will check the server:
// a certificate that would fail that check blocks the step here, with a reason that says what
// to fix, rather than as a failed handshake later. No value of the Secret leaves this function
// but the CA, which is public.
func apiTLS(ctx context.Context, s *Scope) ([]byte, error) {
	d := s.DittoFS
	spec := d.Spec.ControlPlane.TLS
	if spec == nil {
		return nil, nil
	}
	name := specs.TLSSecretName(d)
	if spec.CertManager != nil {
		if !s.CertManager {
			return nil, Block(v1alpha1.ReasonCertManagerMissing,
				"controlPlane.tls.certManager needs cert-manager, and its Certificate CRD (certificates.cert-manager.io) was not installed when the operator started. Install cert-manager and restart the operator, or name a TLS Secret you manage in controlPlane.tls.secretName.")
		}
		if _, err := ensureOwned(ctx, s, specs.Certificate(d), nil); err != nil {
			return nil, err
		}
	}
	sec := &corev1.Secret{}
	if err := s.Client.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: name}, sec); err != nil {
		switch {
		case !apierrors.IsNotFound(err):
			return nil, fmt.Errorf("get Secret %s: %w", name, err)
		case spec.CertManager != nil:
			return nil, Block(v1alpha1.ReasonWaitingForCertificate,
				"Waiting for cert-manager to issue Certificate %s into Secret %s (issuer %s %s); kubectl describe certificate %s says how it is going.",
				specs.CertificateName(d), name, orDefault(spec.CertManager.IssuerRef.Kind, "Issuer"), spec.CertManager.IssuerRef.Name, specs.CertificateName(d))
		default:
			return nil, Block(v1alpha1.ReasonTLSSecretMissing,
				"Secret %s named by controlPlane.tls.secretName does not exist. Create it (type kubernetes.io/tls, with tls.crt valid for %s, tls.key and ca.crt).",
				name, specs.APIHost(d))
		}
	}
	if err := CheckTLSSecret(d, sec, s.Now()); err != nil {
		return nil, err
	}
	return sec.Data[specs.TLSCAKey], nil
}

// CheckTLSSecret is nil when the Secret holds a certificate and its key that the Secret's own
// ca.crt trusts for the API Service's name at now, else a *Blocked error that names the Secret
// and what is wrong (never a value). Its messages do not change from pass to pass while the
// Secret does not.
func CheckTLSSecret(d *v1alpha1.DittoFS, sec *corev1.Secret, now time.Time) error {
	crt, key, ca := sec.Data[specs.TLSCertKey], sec.Data[specs.TLSKeyKey], sec.Data[specs.TLSCAKey]
	if len(crt) == 0 || len(key) == 0 {
		return Block(v1alpha1.ReasonTLSSecretInvalid, "Secret %s needs the keys %s and %s (a kubernetes.io/tls Secret); it has %s.",
			sec.Name, specs.TLSCertKey, specs.TLSKeyKey, keysOf(sec))
	}
	pair, err := tls.X509KeyPair(crt, key)
	if err != nil {
		return Block(v1alpha1.ReasonTLSSecretInvalid, "Secret %s: %s and %s are not a PEM certificate and its private key (%v).",
			sec.Name, specs.TLSCertKey, specs.TLSKeyKey, err)
	}
	pool := x509.NewCertPool()
	if len(ca) == 0 || !pool.AppendCertsFromPEM(ca) {
		what := "has no " + specs.TLSCAKey
		if len(ca) > 0 {
			what = "has a " + specs.TLSCAKey + " with no PEM certificate in it"
		}
		return Block(v1alpha1.ReasonTLSCAMissing,
			"Secret %s %s: the operator verifies the server's certificate with that CA and does not talk to the server without it. Add the PEM certificate of the CA that signed %s as %s.",
			sec.Name, what, specs.TLSCertKey, specs.TLSCAKey)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return Block(v1alpha1.ReasonTLSSecretInvalid, "Secret %s: %s does not parse (%v).", sec.Name, specs.TLSCertKey, err)
	}
	intermediates := x509.NewCertPool()
	for _, der := range pair.Certificate[1:] {
		if c, err := x509.ParseCertificate(der); err == nil {
			intermediates.AddCert(c)
		}
	}
	_, err = leaf.Verify(x509.VerifyOptions{
		DNSName: specs.APIHost(d), Roots: pool, Intermediates: intermediates, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		err = Block(v1alpha1.ReasonTLSCertificateUntrusted,
			"Secret %s: %s is not trusted for %s by the CA in %s: %s. Issue a certificate for that name from that CA.",
			sec.Name, specs.TLSCertKey, specs.APIHost(d), specs.TLSCAKey, verifyProblem(err, leaf))
		if wait := leaf.NotBefore.Sub(now); wait > 0 {
			// Not valid yet (an issuer's clock a little ahead): nothing else will bring the
			// operator back when it becomes valid.
			err = RetryBlocked(err, wait+time.Second)
		}
		return err
	}
	return nil
}

// verifyProblem describes a failed verification without the current time that crypto/x509
// puts in an expiry error, so the message stays the same from one pass to the next.
func verifyProblem(err error, leaf *x509.Certificate) string {
	var invalid x509.CertificateInvalidError
	if errors.As(err, &invalid) && invalid.Reason == x509.Expired {
		return fmt.Sprintf("it is valid from %s to %s only", leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return err.Error()
}

// keysOf lists a Secret's keys (never its values), for a message.
func keysOf(sec *corev1.Secret) string {
	if len(sec.Data) == 0 {
		return "no keys"
	}
	keys := make([]string, 0, len(sec.Data))
	for k := range sec.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
