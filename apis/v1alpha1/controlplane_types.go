package v1alpha1

// ControlPlaneSpec is the server's REST API (the control plane the operator configures the
// server through, with the admin password and the store credentials in its requests).
type ControlPlaneSpec struct {
	// TLS serves the REST API, and its health endpoints, over HTTPS; unset means plain HTTP.
	// The operator then checks the certificate of every connection against the CA.
	// +optional
	TLS *ControlPlaneTLSSpec `json:"tls,omitempty"`
}

// ControlPlaneTLSSpec says where the server's certificate comes from: exactly one of a Secret
// the user manages or a certificate cert-manager issues. The server reloads a renewed
// certificate by itself, so a rotation does not restart it.
// +kubebuilder:validation:XValidation:rule="has(self.secretName) != has(self.certManager)",message="controlPlane.tls needs exactly one of secretName (a kubernetes.io/tls Secret you manage, with tls.crt, tls.key and ca.crt) or certManager (an issuer cert-manager signs the certificate with)"
type ControlPlaneTLSSpec struct {
	// SecretName is a Secret in this namespace, of type kubernetes.io/tls, with tls.crt (the
	// server's certificate, valid for <name>-api.<namespace>.svc), tls.key, and ca.crt (the CA
	// the operator verifies that certificate with).
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="controlPlane.tls.secretName must name a Secret in this namespace"
	// +optional
	SecretName string `json:"secretName,omitempty"`

	// CertManager has the operator ask cert-manager (which must be installed) for the
	// certificate: it creates a Certificate named <name>-api-tls for the API Service's names,
	// and cert-manager writes the Secret of the same name.
	// +optional
	CertManager *CertManagerTLSSpec `json:"certManager,omitempty"`

	// MinVersion is the oldest TLS version the server accepts.
	// +kubebuilder:default="1.2"
	// +kubebuilder:validation:Enum="1.2";"1.3"
	// +optional
	MinVersion string `json:"minVersion,omitempty"`
}

// CertManagerTLSSpec is how cert-manager issues the server's certificate.
type CertManagerTLSSpec struct {
	// IssuerRef is the cert-manager issuer that signs the certificate. Its CA must be one the
	// issued Secret's ca.crt carries (CA and self-signed issuers do), since the operator
	// verifies the server with it.
	IssuerRef IssuerReference `json:"issuerRef"`
}

// IssuerReference names a cert-manager issuer.
type IssuerReference struct {
	// Name of the issuer.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// Kind of the issuer: Issuer (in this namespace) or ClusterIssuer, or an external issuer's kind.
	// +kubebuilder:default=Issuer
	// +kubebuilder:validation:MaxLength=63
	// +optional
	Kind string `json:"kind,omitempty"`

	// Group of the issuer's API.
	// +kubebuilder:default=cert-manager.io
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Group string `json:"group,omitempty"`
}

// TLSEnabled reports whether the REST API is served over HTTPS.
func (c ControlPlaneSpec) TLSEnabled() bool { return c.TLS != nil }
