package specs

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// Keys of a kubernetes.io/tls Secret; cert-manager writes the same three.
const (
	TLSCertKey = corev1.TLSCertKey       // tls.crt
	TLSKeyKey  = corev1.TLSPrivateKeyKey // tls.key
	TLSCAKey   = "ca.crt"
)

// TLSDir is where the TLS Secret is mounted in the server container. Only tls.crt and tls.key
// are projected: the server needs no CA (the operator does, and reads it from the Secret).
const TLSDir = "/tls"

// CertificateGVK is cert-manager's Certificate. It is handled as unstructured: cert-manager's Go
// module is its whole controller (hundreds of dependencies), far more than the one object the
// operator writes, and the operator runs without cert-manager installed.
var CertificateGVK = schema.GroupVersionKind{Group: "cert-manager.io", Version: "v1", Kind: "Certificate"}

// CertificateName is the cert-manager Certificate, and the Secret cert-manager writes for it.
func CertificateName(d *v1alpha1.DittoFS) string { return d.Name + "-api-tls" }

// TLSSecretName is the Secret with the REST API's certificate: the user's, or the one
// cert-manager writes for the operator's Certificate; "" without TLS.
func TLSSecretName(d *v1alpha1.DittoFS) string {
	switch tls := d.Spec.ControlPlane.TLS; {
	case tls == nil:
		return ""
	case tls.CertManager != nil:
		return CertificateName(d)
	default:
		return tls.SecretName
	}
}

// APIHost is the API Service's name inside the cluster: what the operator dials and what the
// server's certificate must be valid for.
func APIHost(d *v1alpha1.DittoFS) string {
	return fmt.Sprintf("%s.%s.svc", APIServiceName(d), d.Namespace)
}

// APIDNSNames are the names a certificate cert-manager issues carries: every short form a
// client in the cluster may use. The cluster domain (cluster.local by default) is left out: it
// is configurable and the operator never dials it.
func APIDNSNames(d *v1alpha1.DittoFS) []string {
	svc := APIServiceName(d)
	return []string{svc, svc + "." + d.Namespace, APIHost(d)}
}

// APIScheme is how the REST API and its health endpoints are served.
func APIScheme(d *v1alpha1.DittoFS) string {
	if d.Spec.ControlPlane.TLSEnabled() {
		return "https"
	}
	return "http"
}

// Certificate is the cert-manager Certificate a DittoFS with controlPlane.tls.certManager asks
// for, owned by the DittoFS (the caller sets the owner reference). cert-manager keeps the
// Secret it writes when the Certificate goes; the operator never deletes it.
func Certificate(d *v1alpha1.DittoFS) *unstructured.Unstructured {
	ref := d.Spec.ControlPlane.TLS.CertManager.IssuerRef
	issuer := map[string]any{"name": ref.Name, "kind": orDefault(ref.Kind, "Issuer"), "group": orDefault(ref.Group, "cert-manager.io")}
	names := make([]any, 0, 3)
	for _, n := range APIDNSNames(d) {
		names = append(names, n)
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{
			"secretName": CertificateName(d),
			"commonName": APIHost(d),
			"dnsNames":   names,
			"issuerRef":  issuer,
			"usages":     []any{"server auth", "digital signature", "key encipherment"},
			// A new key with each renewal: a key that leaked stops being useful at the next one.
			"privateKey": map[string]any{"rotationPolicy": "Always", "algorithm": "ECDSA", "size": int64(256)},
			// The Secret carries the DittoFS's labels, so it is recognisably this server's.
			"secretTemplate": map[string]any{"labels": stringMap(Labels(d))},
		},
	}}
	u.SetGroupVersionKind(CertificateGVK)
	u.SetName(CertificateName(d))
	u.SetNamespace(d.Namespace)
	u.SetLabels(Labels(d))
	return u
}

func stringMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// tlsVolume mounts the certificate and key, read-only, group-readable by the server's user
// (fsGroup) and nobody else.
func tlsVolume(d *v1alpha1.DittoFS) corev1.Volume {
	return corev1.Volume{Name: "api-tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
		SecretName:  TLSSecretName(d),
		DefaultMode: ptr.To[int32](0o440),
		Items:       []corev1.KeyToPath{{Key: TLSCertKey, Path: TLSCertKey}, {Key: TLSKeyKey, Path: TLSKeyKey}},
	}}}
}
