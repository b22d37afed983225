package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/internal/specs"
	"github.com/dittofs/dittofs-operator/phases"
)

// Fatal reports errors that stop a whole pass against the server: it is away, too slow, or
// refuses the operator's credentials. Other errors are about one object (a share, a store).
func Fatal(err error) bool {
	return dittofsapi.IsUnavailable(err) || dittofsapi.IsUnauthorized(err) || dittofsapi.IsForbidden(err) ||
		errors.Is(err, context.DeadlineExceeded)
}

// Failure turns a server error met while doing something into a *phases.Blocked with the
// reason a user can act on. The message names no request-specific detail that changes between
// passes (ports of a dial, timings), so a failure that lasts rewrites nothing.
func Failure(err error, doing string, d *v1alpha1.DittoFS, loc Location, access Access) error {
	adminSecret := specs.AdminSecretName(d)
	switch {
	case dittofsapi.IsUntrustedServer(err):
		return phases.Block(v1alpha1.ReasonServerCertificateUntrusted,
			"The DittoFS API at %s presented a certificate that the CA of Secret %s does not trust for %s (%s) while %s; nothing was sent. A server still on its previous certificate moves on once the kubelet updates the mounted Secret; retrying from every %s.",
			loc.BaseURL, specs.TLSSecretName(d), serverName(loc), untrustedCause(err), doing, access.RetryAfter)
	case dittofsapi.IsUnavailable(err) || errors.Is(err, context.DeadlineExceeded):
		return phases.Block(v1alpha1.ReasonServerUnreachable,
			"The DittoFS API at %s cannot be reached (%s) while %s; retrying from every %s, backing off.",
			loc.BaseURL, unavailableCause(err), doing, access.RetryAfter)
	case dittofsapi.IsUnauthorized(err):
		return phases.Block(v1alpha1.ReasonAdminLoginFailed,
			"The server refused the admin credentials from Secret %s: %v. The server uses that password only when it first creates its admin user; restore the Secret's original password.",
			adminSecret, err)
	case dittofsapi.IsForbidden(err):
		return phases.Block(v1alpha1.ReasonAdminForbidden,
			"The user in Secret %s may not manage stores, shares and adapters (role admin is needed): %v.", adminSecret, err)
	}
	return phases.Block(v1alpha1.ReasonServerRejected, "The server rejected a request while %s: %v.", doing, err)
}

// serverName is the name the server's certificate is checked against.
func serverName(loc Location) string {
	if loc.ServerName != "" {
		return loc.ServerName
	}
	if u, err := url.Parse(loc.BaseURL); err == nil {
		return u.Hostname()
	}
	return loc.BaseURL
}

// untrustedCause is the verification error without the addresses of the dial.
func untrustedCause(err error) string {
	var invalid x509.CertificateInvalidError
	if errors.As(err, &invalid) && invalid.Reason == x509.Expired {
		return "the certificate has expired or is not yet valid" // x509's own message has the time
	}
	var verify *tls.CertificateVerificationError
	if errors.As(err, &verify) && verify.Err != nil {
		return verify.Err.Error()
	}
	return "certificate verification failed"
}

// unavailableCause is a short, stable description of why no answer came.
func unavailableCause(err error) string {
	if code := dittofsapi.StatusCode(err); code >= 500 {
		return fmt.Sprintf("HTTP %d", code)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	// Dial errors carry addresses and ports that change between tries; keep only their kind.
	msg := err.Error()
	for _, cause := range []string{"connection refused", "no such host", "connection reset", "EOF"} {
		if strings.Contains(msg, cause) {
			return cause
		}
	}
	if strings.Contains(msg, "timeout") {
		return "timed out"
	}
	return "no answer"
}
