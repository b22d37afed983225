package specs

import "github.com/dittofs/dittofs-operator/apis/v1alpha1"

// SecretNames lists every Secret the DittoFS consumes, generated, referenced by the user or
// written by the Percona operator, so a change to any of them brings the DittoFS back to the
// reconciler.
func SecretNames(d *v1alpha1.DittoFS) []string {
	names := []string{JWTSecretName(d), AdminSecretName(d)}
	if pg := PostgresSecretName(d); pg != "" {
		names = append(names, pg)
	}
	if legacy := LegacyPerconaSecretName(d); legacy != "" {
		names = append(names, legacy) // the Secret a kept cluster's legacy user has
	}
	if tls := TLSSecretName(d); tls != "" {
		names = append(names, tls) // the user's, or the one cert-manager writes
	}
	if s3 := d.Spec.PayloadStore.S3; s3 != nil {
		names = append(names, s3.CredentialsSecretRef.Name)
	}
	return names
}
